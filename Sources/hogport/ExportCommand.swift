public import ArgumentParser
import Foundation
import HogportKit
import Logging
import PostHogCore
import PostHogKit

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export events from PostHog to day files (NDJSON or CSV, plain or gzip), incrementally.",
        discussion: """
            Pages through the project's events with HogQL queries (POST /api/projects/ID/query/) on \
            a (timestamp, uuid) cursor and writes one file per UTC day to --out, \
            events-YYYY-MM-DD.ndjson[.gz] (later parts of a day: events-YYYY-MM-DD.part-N…), plus \
            manifest.json with row counts and SHA-1 checksums. Files appear complete or not at all.

            The checkpoint (default OUT/.hogport-export.db) keeps the cursor: the same command run \
            again (from cron) continues after the last exported event, and a killed run resumes \
            without gaps or duplicates; a second run on the same checkpoint while one is running exits 2 \
            (it is locked, OUT/.hogport-export.db.lock). Without --until a run ends --settle minutes \
            (default 10) before it starts. --lookback HOURS re-reads the hours before the cursor and \
            writes late-arriving events into new part files, deduplicated by uuid.

            The personal API key (Query Read scope) comes from POSTHOG_PERSONAL_API_KEY and is never \
            printed. The files re-import with `hogport import --preset posthog OUT`. See docs/export.md.

            Examples:
              hogport export --project-id 12345 --since 2024-01-01 --out exports/ --gzip
              hogport export --project-id 12345 --out exports/ --lookback 24     # nightly, from cron
              hogport import --preset posthog exports/                         # into another project

            Exit codes: 0 done, 2 usage (or a query the server refused), 3 authentication, 4 the \
            server kept failing (what was published is saved; run again), 5 output or checkpoint \
            unwritable, 130 interrupted (what was read is published; run again).
            """
    )

    @Option(help: "The PostHog project id (the number in the app's URL).")
    var projectId: String

    @Option(help: "The PostHog app host (default: $POSTHOG_HOST, else https://us.posthog.com).")
    var host: String?

    @Option(help: "Export events at or after this instant (ISO-8601 or YYYY-MM-DD, UTC). Required on the first run; later runs continue from the checkpoint.")
    var since: String?

    @Option(help: "Export events before this instant (default: now minus --settle).")
    var until: String?

    @Option(
        help: "Without --until, stop this many minutes before now, so events that reach PostHog late (SDKs flush 10-60 s late) are not left behind the cursor.")
    var settle = 10.0

    @Option(help: "The output directory.")
    var out: String

    @Option(help: "File format: ndjson or csv.")
    var format: ExportFormat = .ndjson

    @Flag(help: "Gzip the files (.gz).")
    var gzip = false

    @Option(help: "Only these event names, comma-separated.")
    var events: String?

    @Option(help: "The checkpoint database (default: OUT/.hogport-export.db).")
    var checkpoint: String?

    @Option(help: "Rows per query (1...50000).")
    var pageSize = 10_000

    @Option(help: "Re-read this many hours before the cursor for late-arriving events (new part files, deduplicated by uuid).")
    var lookback = 0.0

    @Option(help: "Query requests per minute (PostHog allows 240).")
    var requestsPerMinute = 200.0

    @Option(help: "Query requests per hour (PostHog allows 2400; some older plans 120).")
    var requestsPerHour = 2_000.0

    @Option(help: "The largest query answer read, in MiB; a page over it is asked again with fewer rows.")
    var maxResponseMib = 64

    @Flag(help: "Forget the checkpoint and start over: the files it recorded for the days this run covers are removed and written again; others stay.")
    var restart = false

    @Option(help: "Progress display: auto (a line on a terminal, JSON lines otherwise), always, never.")
    var progress: ProgressMode = .auto

    @Option(help: "Log format on stderr: text or json.")
    var logFormat: LogFormat = .text

    @Option(help: "Also write the final summary as JSON to this file.")
    var summaryJson: String?

    func validate() throws {
        guard (1...ExportQuery.maximumLimit).contains(pageSize) else { throw ValidationError("--page-size must be between 1 and \(ExportQuery.maximumLimit)") }
        guard lookback >= 0, lookback <= 24 * 90 else { throw ValidationError("--lookback must be between 0 and 2160 hours") }
        guard settle >= 0, settle <= 24 * 60 else { throw ValidationError("--settle must be between 0 and 1440 minutes") }
        guard requestsPerMinute > 0 else { throw ValidationError("--requests-per-minute must be more than 0") }
        guard (1...4096).contains(maxResponseMib) else { throw ValidationError("--max-response-mib must be between 1 and 4096") }
        guard requestsPerHour > 0 else { throw ValidationError("--requests-per-hour must be more than 0") }
        guard !projectId.isEmpty, projectId.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ValidationError("--project-id must be the project's id (letters, digits)")
        }
        if let since { _ = try Self.parseTime(since, option: "--since") }
        if let until { _ = try Self.parseTime(until, option: "--until") }
    }

    static func parseTime(_ text: String, option: String) throws -> Timestamp {
        guard let parsed = Timestamp(iso8601: text) else {
            throw ValidationError("\(option): '\(text)' is not an ISO-8601 time or a YYYY-MM-DD date")
        }
        return parsed
    }

    /// The app host: PostHog's ingestion hosts (`us.i.posthog.com`) do not serve the query API.
    static func appHost(_ host: String) -> String {
        host.replacingOccurrences(of: ".i.posthog.com", with: ".posthog.com")
    }

    func run() async throws {
        Hogport.mapLargeBuffersOnTheirOwn()
        let env = ProcessInfo.processInfo.environment
        let logger = CLILogging.logger(label: "hogport.export", format: logFormat)
        guard let key = env["POSTHOG_PERSONAL_API_KEY"], !key.isEmpty else {
            throw ValidationError("no personal API key: set POSTHOG_PERSONAL_API_KEY (a key with the Query Read scope)")
        }
        CLILogging.registerSecret(key)
        var resolvedHost = host ?? env["POSTHOG_HOST"] ?? "https://us.posthog.com"
        guard resolvedHost.hasPrefix("http://") || resolvedHost.hasPrefix("https://") else {
            throw ValidationError("--host must start with http:// or https:// (got \(resolvedHost))")
        }
        let appHost = Self.appHost(resolvedHost)
        if appHost != resolvedHost {
            logger.notice("querying \(appHost) (the query API is on the app host, not the ingestion host \(resolvedHost))")
            resolvedHost = appHost
        }
        var configuration = ExportConfiguration(host: resolvedHost, projectId: projectId, personalAPIKey: key, outputDirectory: out, checkpointPath: checkpoint)
        configuration.since = try since.map { try Self.parseTime($0, option: "--since") }
        configuration.until = try until.map { try Self.parseTime($0, option: "--until") }
        configuration.format = format
        configuration.gzip = gzip
        configuration.events = (events ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        configuration.pageSize = pageSize
        configuration.settle = .milliseconds(Int64(settle * 60_000))
        configuration.lookback = .milliseconds(Int64(lookback * 3_600_000))
        configuration.requestsPerMinute = requestsPerMinute
        configuration.requestsPerHour = requestsPerHour
        configuration.maximumResponseBytes = maxResponseMib * 1024 * 1024
        configuration.restart = restart

        let transport = AsyncHTTPClientTransport(maximumConnections: 1, maximumResponseBytes: configuration.maximumResponseBytes)
        let pipeline = ExportPipeline(configuration: configuration, transport: transport, logger: logger)
        let reporter = ExportProgressReporter(mode: progress, logFormat: logFormat)
        let result = await CommandHarness.run(
            stopNotice: "stopping after the current page; what was read is published and saved", requestStop: { pipeline.requestStop() },
            interval: reporter.interval, tick: { reporter.report(pipeline.progress) }, work: { try await pipeline.run() })
        reporter.finish(pipeline.progress)
        await transport.shutdown()

        switch result {
        case .success(let summary):
            Self.printSummary(summary, format: logFormat)
            if let summaryJson { try AtomicFile.write(JSONWriter.pretty(summary.json), to: summaryJson) }
        case .failure(let error as ExportError):
            let hint =
                error.kind == .serverFailing || error.kind == .interrupted
                ? " (published files are saved in \(configuration.checkpointPath); run the same command to continue)" : ""
            throw CommandFailure(message: CLILogging.redact(error.message + hint), code: error.exitCode)
        case .failure(let error):
            throw error
        }
    }

    static func printSummary(_ summary: ExportSummary, format: LogFormat) {
        if format == .json {
            print(JSONWriter.string(summary.json, sortedKeys: true))
            return
        }
        print("exported: \(summary.rows) events into \(summary.files.count) file(s) in \(summary.outputDirectory)")
        if summary.lookbackRows > 0 || summary.duplicatesSkipped > 0 {
            print("lookback: \(summary.lookbackRows) late events written, \(summary.duplicatesSkipped) already exported")
        }
        if summary.rawProperties > 0 {
            print("warning:  \(summary.rawProperties) event(s) had properties that are not a JSON object; written as text under $hogport_raw_properties")
        }
        if let cursor = summary.cursor { print("cursor:   \(cursor.timestamp.iso8601) \(cursor.uuid)") }
        if let until = summary.until { print("through:  \(until.iso8601)") }
        print(String(format: "requests: %d (%d retried, %d polls), %.2f s", summary.requests, summary.retries, summary.polls, summary.seconds))
        print("checkpoint: \(summary.checkpointPath)")
    }
}

extension ExportFormat: ExpressibleByArgument {}

/// Progress of a running export: one line on a terminal, a JSON line every few seconds otherwise.
final class ExportProgressReporter: Sendable {
    let bar: Bool
    let lines: Bool

    init(mode: ProgressMode, logFormat: LogFormat) {
        let tty = isatty(2) == 1
        bar = mode == .always || (mode == .auto && tty && logFormat == .text)
        lines = !bar && mode != .never
    }

    var interval: Duration { bar ? .milliseconds(250) : .seconds(5) }

    func report(_ p: ExportProgress) {
        if bar {
            let text =
                "\rexported \(p.rows) rows (\(p.lookbackRows) late), \(p.files) files, day \(p.currentDay), at \(p.position?.iso8601 ?? "-"), \(p.requests) requests  "
            FileHandle.standardError.write(Data(text.utf8))
        } else if lines {
            var object: [String: JSONValue] = [
                "ts": .string(Timestamp.now().iso8601), "level": "info", "msg": "progress", "rows": .int(Int64(p.rows)),
                "lookback_rows": .int(Int64(p.lookbackRows)), "files": .int(Int64(p.files)), "pages": .int(Int64(p.pages)),
                "day": .string(p.currentDay), "requests": .int(Int64(p.requests)), "retries": .int(Int64(p.retries)),
            ]
            if let position = p.position { object["position"] = .string(position.iso8601) }
            FileHandle.standardError.write(Data((JSONWriter.string(.object(object), sortedKeys: true) + "\n").utf8))
        }
    }

    func finish(_ p: ExportProgress) {
        if bar {
            report(p)
            FileHandle.standardError.write(Data("\n".utf8))
        }
    }
}
