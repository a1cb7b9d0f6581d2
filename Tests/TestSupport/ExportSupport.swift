import Foundation
public import HogportKit
public import PostHogCore
public import PostHogKit
import Synchronization

// Helpers for the export tests (HogportKitTests/Export*Tests).

extension TestKeys {
    /// The personal API key export tests use.
    public static let personal = "phx_test_personal_key"
}

/// Runs `body` with a sink that also answers export queries (``SinkQueryRoutes``), requiring
/// ``TestKeys/personal`` as the Bearer token.
public func withExportSink<R>(
    asynchronous: Bool = false,
    configure: (inout SinkConfiguration) -> Void = { _ in },
    _ body: (SinkServer) async throws -> R
) async throws -> R {
    try await withSink(configure: { configuration in
        configuration.personalAPIKey = TestKeys.personal
        configure(&configuration)
    }) { sink in
        SinkQueryRoutes(store: sink.router.store, personalAPIKey: TestKeys.personal, asynchronous: asynchronous).install(on: sink.router)
        return try await body(sink)
    }
}

/// A clock and a sleep for the exporter: sleeping advances the clock at once, and every sleep
/// is recorded, so tests can assert waits (rate limits, Retry-After) without waiting.
public final class FakeClock: Sendable {
    private let state = Mutex<(now: Double, sleeps: [Duration])>((1000, []))

    public init() {}

    public var now: @Sendable () -> Double { { self.state.withLock { $0.now } } }

    public var sleep: @Sendable (Duration) async throws -> Void {
        { duration in
            try Task.checkCancellation()
            self.state.withLock { s in
                s.now += Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                s.sleeps.append(duration)
            }
            await Task.yield()
        }
    }

    /// Every sleep asked for, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }
}

/// An export job in a directory of its own: output in `out/`, checkpoint in `out/`.
public struct ExportTestJob: Sendable {
    public let directory: TemporaryDirectory
    public var configuration: ExportConfiguration
    /// The "now" the pipeline sees (the default `until`).
    public var now = Timestamp(year: 2024, month: 3, day: 20)!

    public init(directory: TemporaryDirectory, host: String = "http://127.0.0.1:9", out: String = "out", since: Timestamp? = ImportRows.base) {
        self.directory = directory
        configuration = ExportConfiguration(host: host, projectId: "1", personalAPIKey: TestKeys.personal, outputDirectory: directory.file(out))
        configuration.since = since
        configuration.pageSize = 50
        configuration.requestsPerMinute = 1_000_000
        configuration.retryPolicy = RetryPolicy(maxRetries: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(10))
        configuration.pollInterval = .milliseconds(1)
        configuration.maxPollInterval = .milliseconds(2)
        configuration.requestTimeout = .seconds(10)
    }

    public var outputDirectory: String { configuration.outputDirectory }

    /// Runs the export once.
    public func run(transport: any HTTPTransport, clock: FakeClock = FakeClock()) async throws(ExportError) -> ExportSummary {
        let now = self.now
        return try await ExportPipeline(configuration: configuration, transport: transport, sleep: clock.sleep, clock: clock.now, wallClock: { now }).run()
    }

    /// Runs the export with a fresh HTTP transport.
    public func run() async throws -> ExportSummary {
        try await withHTTPTransport { transport in try await run(transport: transport) }
    }

    /// The published files' names, sorted (hidden files left out).
    public func fileNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: outputDirectory).filter { !$0.hasPrefix(".") && $0 != "manifest.json" }.sorted()
    }

    /// The manifest, parsed.
    public func manifest() throws -> JSONValue {
        try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: outputDirectory + "/manifest.json"))))
    }

    /// Every NDJSON row of every published file, in file order.
    public func ndjsonRows() throws -> [JSONValue] {
        try fileNames().flatMap { name in try exportedLines(outputDirectory + "/" + name).map { try JSONParser.parse($0) } }
    }
}

/// The lines of an exported file (gunzipped when it is gzip), without their newlines.
public func exportedLines(_ path: String) throws -> [String] {
    var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    if Gzip.hasMagic(bytes) { bytes = try Gzip.decompress(bytes) }
    return bytes.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
}

/// An event to seed a sink with (posted to its capture endpoint).
public struct SeedEvent: Sendable {
    public var uuid: String
    public var event: String
    public var distinctId: String
    public var timestamp: Timestamp
    public var properties: [String: JSONValue]

    var json: JSONValue {
        [
            "uuid": .string(uuid), "event": .string(event), "distinct_id": .string(distinctId), "timestamp": .string(timestamp.iso8601),
            "properties": .object(properties),
        ]
    }
}

/// Stores `events` in `sink` through its `/batch/` endpoint, 500 a request (a sink's own faults
/// are retried).
public func seed(_ sink: SinkServer, _ events: [SeedEvent]) async throws {
    var index = 0
    while index < events.count {
        let chunk = events[index..<min(index + 500, events.count)]
        // Retried: a sink with injected failures fails some of these too (a failed request stores nothing).
        var response = try await sink.post("/batch/", json: RawEvents.batch(chunk.map(\.json), historical: true))
        var attempts = 1
        while response.status != 200 && attempts < 50 {
            response = try await sink.post("/batch/", json: RawEvents.batch(chunk.map(\.json), historical: true))
            attempts += 1
        }
        guard response.status == 200 else { throw FlagTestError("seeding the sink: HTTP \(response.status) \(response.text)") }
        index += chunk.count
    }
}

/// Events for a sink: `count` events from `start`, `spacing` apart, numbered from `first`
/// (property `n`), with uuids ``ImportRows/uuid(_:)``.
public func sinkRows(count: Int, first: Int = 0, start: Timestamp = ImportRows.base, spacing: Duration = .seconds(60)) -> [SeedEvent] {
    let step = spacing.components.seconds * 1_000_000 + spacing.components.attoseconds / 1_000_000_000_000
    return (0..<count).map { i in
        let n = first + i
        return SeedEvent(
            uuid: ImportRows.uuid(n), event: n % 5 == 0 ? "$pageview" : "event \(n % 3)", distinctId: "user-\(n % 7)",
            timestamp: Timestamp(microseconds: start.microseconds + Int64(i) * step + 123), properties: ["n": .int(Int64(n)), "plan": "pro"])
    }
}

/// An in-memory query endpoint for a ``ScriptedTransport``: answers ``ExportQuery`` pages from
/// `rows` (sorted by timestamp, then uuid text), at most `cap` rows a page whatever the LIMIT
/// (as a server capping pages would), with `hasMore` only when `sendsHasMore`, and 503 for every
/// request from number `failFrom` on (0-based, counting requests to this server).
public final class FakeQueryServer: Sendable {
    public struct Row: Sendable {
        public var uuid: String
        public var us: Int64
        public init(_ uuid: String, _ us: Int64) {
            self.uuid = uuid
            self.us = us
        }
    }

    private let state: Mutex<(rows: [Row], failFrom: Int?, requests: Int, queries: [ExportQuery])>
    public let cap: Int?
    public let sendsHasMore: Bool

    public init(rows: [Row], cap: Int? = nil, sendsHasMore: Bool = true, failFrom: Int? = nil) {
        state = Mutex((rows, failFrom, 0, []))
        self.cap = cap
        self.sendsHasMore = sendsHasMore
    }

    /// Adds rows (late arrivals).
    public func add(_ rows: [Row]) { state.withLock { $0.rows += rows } }

    /// Fail from request `index` on (nil: never).
    public func setFailFrom(_ index: Int?) { state.withLock { $0.failFrom = index } }

    /// Every query answered or refused, in order.
    public var queries: [ExportQuery] { state.withLock { $0.queries } }

    public var transport: ScriptedTransport {
        ScriptedTransport { request in self.answer(request) }
    }

    func answer(_ request: RecordedRequest) -> ScriptedReply {
        guard let body = request.json, let query = ExportQuery.parse(body) else { return .status(400, body: #"{"detail":"unknown query"}"#) }
        let (rows, fail) = state.withLock { s -> ([Row], Bool) in
            let index = s.requests
            s.requests += 1
            s.queries.append(query)
            return (s.rows, s.failFrom.map { index >= $0 } ?? false)
        }
        if fail { return .status(503) }
        let sorted = rows.sorted { ($0.us, $0.uuid) < ($1.us, $1.uuid) }
        var matching = sorted.filter { $0.us >= query.since.microseconds && $0.us < query.until.microseconds }
        if let after = query.after {
            matching = matching.filter { ($0.us, $0.uuid) > (after.timestamp.microseconds, after.uuid) }
        }
        let limit = min(query.limit, cap ?? query.limit)
        let page = Array(matching.prefix(limit))
        var json: [String: JSONValue] = [
            "results": .array(page.map { [.string($0.uuid), "clicked", "user-1", .int($0.us), "{}"] }),
            "columns": .array(ExportQuery.columns.map { .string($0) }),
        ]
        if sendsHasMore { json["hasMore"] = .bool(matching.count > page.count) }
        return .respond(status: 200, headers: [], body: JSONWriter.encode(.object(json)))
    }
}
