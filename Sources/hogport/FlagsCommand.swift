import ArgumentParser

struct FlagsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flags",
        abstract: "Snapshot feature-flag definitions to files, and evaluate flags locally.",
        discussion: """
            Examples:
              hogport flags snapshot --out flags/ --exit-code            # cron: exit 1 when a flag changed
              hogport flags eval --snapshot flags/ --input users.jsonl   # offline, the SDKs' answers
              hogport flags eval --snapshot flags/ --distinct-id user-1 --person-property plan=pro
            """,
        subcommands: [FlagsSnapshotCommand.self, FlagsEvalCommand.self]
    )
}
