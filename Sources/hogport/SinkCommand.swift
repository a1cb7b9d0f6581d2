import ArgumentParser
import Foundation
import HogportKit
import PostHogCore
import PostHogKit

struct SinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "Run a local server that speaks PostHog's capture API and stores events in SQLite.",
        discussion: """
            Prints its address (http://127.0.0.1:PORT) on the first line of standard output, then \
            serves until SIGINT or SIGTERM. Point `--host` of other commands at it. It also answers \
            `hogport export`'s queries (POST /api/projects/:id/query/, Bearer personal key). Fault \
            options make it fail, drop or slow down capture and query requests, to test clients.
            """
    )

    @Option(help: "The SQLite file to store events in.")
    var db: String

    @Option(help: "The address to bind.")
    var host = "127.0.0.1"

    @Option(help: "The port to bind; 0 picks a free one.")
    var port = 0

    @Option(help: "The project API key to accept (default: $POSTHOG_API_KEY, else phc_sink).")
    var apiKey: String?

    @Option(help: "The personal API key private endpoints require (default: $POSTHOG_PERSONAL_API_KEY; unset accepts any).")
    var personalApiKey: String?

    @Option(help: "Share of capture requests answered with a failure status (0...1).")
    var failRate = 0.0

    @Option(help: "Statuses for injected failures, comma-separated.")
    var failCodes = "503"

    @Option(help: "Retry-After seconds sent with injected failures.")
    var retryAfter: Int?

    @Option(help: "Share of capture requests whose connection is closed without an answer (0...1).")
    var dropRate = 0.0

    @Option(help: "Event names to refuse: a batch holding one is answered 400, as PostHog answers an invalid event (comma-separated).")
    var refuseEvents: String?

    @Option(help: "Milliseconds to wait before answering each capture request.")
    var latencyMs = 0

    @Option(help: "Seed for the fault dice.")
    var seed: UInt64 = 0x5eed

    @Option(help: "A /flags/definitions response to serve at GET /flags/definitions (Bearer key required) and to evaluate POST /flags with.")
    var flags: String?

    @Flag(help: "Answer export queries (POST /api/projects/:id/query/) with 202 first, then the results on the second poll.")
    var queryAsync = false

    @Flag(help: "Count events and answer 200 without validating or storing them (for measuring a sender).")
    var countOnly = false

    @Flag(help: "Print what the database holds and exit, instead of serving.")
    var report = false

    func validate() throws {
        guard (0...1).contains(failRate), (0...1).contains(dropRate), failRate + dropRate <= 1 else {
            throw ValidationError("--fail-rate and --drop-rate must be between 0 and 1, and add up to at most 1")
        }
        guard parsedFailCodes != nil else { throw ValidationError("--fail-codes must be HTTP statuses such as 503,429") }
    }

    var parsedFailCodes: [Int]? {
        let codes = failCodes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !codes.isEmpty, codes.allSatisfy({ $0 != nil && (100...599).contains($0!) }) else { return nil }
        return codes.compactMap { $0 }
    }

    func run() async throws {
        if report {
            try printReport()
            return
        }
        let env = ProcessInfo.processInfo.environment
        var configuration = SinkConfiguration(databasePath: db, apiKey: apiKey ?? env["POSTHOG_API_KEY"] ?? "phc_sink")
        configuration.host = host
        configuration.port = port
        configuration.personalAPIKey = personalApiKey ?? env["POSTHOG_PERSONAL_API_KEY"]
        configuration.faults.failRate = failRate
        configuration.faults.failCodes = parsedFailCodes ?? [503]
        configuration.faults.retryAfter = retryAfter
        configuration.faults.dropRate = dropRate
        configuration.faults.refuseEvents = Set((refuseEvents ?? "").split(separator: ",").map { String($0) }.filter { !$0.isEmpty })
        configuration.faults.latencyMilliseconds = latencyMs
        configuration.faults.seed = seed
        configuration.countOnly = countOnly
        let store = try SinkStore(path: db)
        let router = SinkRouter(configuration: configuration, store: store)
        if let flags {
            guard FileManager.default.fileExists(atPath: flags) else { throw ValidationError("--flags: no file at \(flags)") }
            SinkFlagRoutes(definitionsPath: flags, projectAPIKey: configuration.apiKey, personalAPIKey: configuration.personalAPIKey).install(on: router)
        }
        SinkQueryRoutes(store: store, personalAPIKey: configuration.personalAPIKey, asynchronous: queryAsync).install(on: router)
        let server = try await SinkServer.start(router: router)
        // Written straight to the descriptor: a parent reading the first line must not wait on stdio buffering.
        FileHandle.standardOutput.write(Data((server.url + "\n").utf8))
        let signal = await SignalWaiter.wait()
        try await server.stop()
        let stats = server.router.statistics
        let verb = countOnly ? "counted" : "stored"
        FileHandle.standardError.write(Data("sink stopped (signal \(signal ?? 0)): \(stats.requests) requests, \(stats.eventsStored) events \(verb)\n".utf8))
    }

    func printReport() throws {
        guard FileManager.default.fileExists(atPath: db) else { throw ValidationError("no sink database at \(db)") }
        let summary = try SinkStore(path: db).summary()
        print("events stored:   \(summary.events) (\(summary.distinctUUIDs) distinct uuids, \(summary.historical) marked historical)")
        if let earliest = summary.earliest, let latest = summary.latest {
            print("event time:      \(earliest.iso8601) .. \(latest.iso8601)")
        }
        print("by event name:")
        for (name, count) in summary.byEvent.prefix(20) {
            print("  \(String(count).padding(toLength: 8, withPad: " ", startingAt: 0)) \(name)")
        }
    }
}
