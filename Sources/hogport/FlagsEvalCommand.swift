import ArgumentParser

struct FlagsEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate flags locally for subjects read as JSON Lines."
    )

    func run() async throws {
        throw ValidationError("not implemented yet")
    }
}
