import ArgumentParser

struct FlagsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flags",
        abstract: "Snapshot feature-flag definitions to files, and evaluate flags locally.",
        subcommands: [FlagsSnapshotCommand.self, FlagsEvalCommand.self]
    )
}
