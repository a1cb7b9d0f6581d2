import ArgumentParser
import Foundation
import HogportKit
import Logging
import PostHogCore
import PostHogKit

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send PostHog-shaped NDJSON events through the PostHogKit client (no checkpoint).",
        discussion: """
            Each line is {"event", "distinct_id", "timestamp", "properties", "uuid"?, "$set"?, "$set_once"?}; \
            plain or gzipped. For backfills with resume, mapping and rejects use `hogport import`.
            """
    )

    @Argument(help: "NDJSON files (plain or gzip).")
    var files: [String]

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Mark batches as a historical migration.")
    var historical = false

    func run() async throws {
        let (host, apiKey) = try connection.resolve()
        var configuration = PostHogConfiguration(apiKey: apiKey, host: host)
        configuration.historicalMigration = historical
        configuration.flushAt = 500
        // A command-line send waits for delivery (retries included) rather than dropping at exit.
        configuration.shutdownTimeout = .seconds(3600)
        let failures = FailureCounter()
        configuration.onError = { error in
            failures.add(error.eventCount)
            if error.kind == .authentication { failures.markAuthentication() }
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        }
        let client = PostHogClient(configuration: configuration)
        var sent = 0
        var skipped = 0
        for file in files {
            let result = try NDJSONEventFile.read(path: file)
            for problem in result.problems {
                FileHandle.standardError.write(Data("\(file):\(problem.line): skipped: \(problem.reason)\n".utf8))
            }
            skipped += result.problems.count
            for event in result.events where await client.enqueue(event) { sent += 1 }
        }
        await client.shutdown()
        print("queued \(sent) events, skipped \(skipped) lines, \(failures.value) failed to deliver")
        if failures.sawAuthentication { throw ExitCode(ExitCodes.authentication) }
        if failures.value > 0 || skipped > 0 { throw ExitCode(ExitCodes.finishedWithFindings) }
    }
}
