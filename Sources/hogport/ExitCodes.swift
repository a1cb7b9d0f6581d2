import ArgumentParser

/// hogport's exit codes, one table for every subcommand (docs/import.md lists them for users).
enum ExitCodes {
    /// Everything done.
    static let success: Int32 = 0
    /// Finished, with something to look at: rejected rows, or (`--exit-code`) a changed snapshot.
    static let finishedWithFindings: Int32 = 1
    /// Bad arguments or configuration.
    static let usage: Int32 = 2
    /// The server refused the key.
    static let authentication: Int32 = 3
    /// The server kept failing; progress is saved.
    static let serverFailing: Int32 = 4
    /// Input could not be read.
    static let unreadableInput: Int32 = 5
}

/// An error that ends the command with a message on stderr and a chosen exit code.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var code: Int32
    var description: String { message }
}
