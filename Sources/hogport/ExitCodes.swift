import ArgumentParser
import HogportKit
import PostHogCore

/// hogport's exit codes, read from the one table in HogportKit (``ExitStatus``).
enum ExitCodes {
    static let success = ExitStatus.success.rawValue
    static let finishedWithFindings = ExitStatus.findings.rawValue
    static let usage = ExitStatus.usage.rawValue
    static let authentication = ExitStatus.authentication.rawValue
    static let serverFailing = ExitStatus.serverFailing.rawValue
    static let unreadableInput = ExitStatus.inputOutput.rawValue
}

/// An error that ends the command with a message on stderr and a chosen exit code.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var code: Int32
    var description: String { message }
}
