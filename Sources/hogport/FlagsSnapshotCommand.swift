import ArgumentParser
import Foundation
import HogportKit
import PostHogCore
import PostHogKit

struct FlagsSnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Write the project's flag definitions into a directory (one file per flag).",
        discussion: """
            Reads POSTHOG_API_KEY (project key) and POSTHOG_PERSONAL_API_KEY (a personal key with \
            feature_flag:read, or a project secret key). Writes DIR/flags/<key>.json, \
            DIR/cohorts.json, DIR/group_type_mapping.json and DIR/definitions.json; unchanged files \
            are left alone and flags deleted upstream lose their file, so the directory can live in git.

            Examples:
              hogport flags snapshot --out flags/
              hogport flags snapshot --out flags/ --exit-code && echo unchanged

            Exit codes: 0 done (with --exit-code: nothing changed), 1 something changed (--exit-code \
            only), 2 usage, 3 key refused, 4 server failing or quota limited.
            """
    )

    @Option(help: "The directory to write.")
    var out: String

    @Option(help: "The PostHog host (default: $POSTHOG_HOST, else https://us.i.posthog.com).")
    var host: String?

    @Flag(help: "Exit 1 when anything changed, like `git diff --exit-code`.")
    var exitCode = false

    @Flag(help: "Use the legacy /api/feature_flag/local_evaluation/ endpoint.")
    var legacyEndpoint = false

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let host = host ?? env["POSTHOG_HOST"] ?? "https://us.i.posthog.com"
        guard let projectKey = env["POSTHOG_API_KEY"], !projectKey.isEmpty else {
            throw ValidationError("set POSTHOG_API_KEY to the project API key")
        }
        guard let secret = env["POSTHOG_PERSONAL_API_KEY"], !secret.isEmpty else {
            throw ValidationError("set POSTHOG_PERSONAL_API_KEY to a personal API key (feature_flag:read) or a project secret key")
        }
        let transport = AsyncHTTPClientTransport(maximumConnections: 1)
        let fetcher = FlagDefinitionsFetcher(host: host, projectAPIKey: projectKey, secretKey: secret, transport: transport, legacyEndpoint: legacyEndpoint)
        let result = await fetcher.fetch(etag: nil)
        await transport.shutdown()
        switch result {
        case .modified(let json, let raw, _):
            let changes = try FlagSnapshot(directory: out).write(definitions: json, raw: raw)
            for path in changes.written { print("wrote   \(path)") }
            for path in changes.removed { print("removed \(path)") }
            let flagCount = json["flags"]?.arrayValue?.count ?? 0
            print("\(flagCount) flags; \(changes.written.count) files written, \(changes.removed.count) removed, \(changes.unchanged) unchanged")
            if exitCode && changes.changed { throw ExitCode(ExitCodes.finishedWithFindings) }
        case .notModified:
            print("not modified")
        case .unauthorized:
            throw CommandFailure(
                message: "the server refused the personal API key (401): check POSTHOG_PERSONAL_API_KEY and its feature_flag:read scope",
                code: ExitCodes.authentication)
        case .quotaLimited:
            throw CommandFailure(message: "the project is over its feature-flag quota (402); the snapshot was left as it was", code: ExitCodes.serverFailing)
        case .failed(let status, let message):
            let code = (status == 403) ? ExitCodes.authentication : ExitCodes.serverFailing
            throw CommandFailure(message: "could not fetch flag definitions\(status.map { " (HTTP \($0))" } ?? ""): \(message)", code: code)
        }
    }
}
