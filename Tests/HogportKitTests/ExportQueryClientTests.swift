import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// The exporter's HTTP behaviour with a scripted transport: rate limit, Retry-After, retries,
/// authentication, refused queries, asynchronous answers and response shapes.
@Suite("Export query client")
struct ExportQueryClientTests {
    /// A sync query answer holding `rows` as (uuid, timestamp µs) with object properties.
    static func page(_ rows: [(String, Int64)], stringTimestamps: Bool = false) -> ScriptedReply {
        let results: [JSONValue] = rows.map { uuid, us in
            [
                .string(uuid), "clicked", "user-1",
                stringTimestamps ? .string(Timestamp(microseconds: us).iso8601) : .int(us), ["plan": "pro"],
            ]
        }
        let body: JSONValue = [
            "results": .array(results), "columns": ["uuid", "event", "distinct_id", stringTimestamps ? "timestamp" : "timestamp_us", "properties"],
            "hasMore": false,
        ]
        return .respond(status: 200, headers: [], body: JSONWriter.encode(body))
    }

    static let t0 = ImportRows.base.microseconds + 3_600_000_000

    @Test("429 with Retry-After is honoured as the wait before the retry; 5xx is retried with backoff")
    func retryAfterHonoured() async throws {
        try await withTemporaryDirectory { dir in
            let transport = ScriptedTransport([.status(429, retryAfter: "7"), .status(503), .status(502)], then: Self.page([(ImportRows.uuid(1), Self.t0)]))
            let job = ExportTestJob(directory: dir)
            let clock = FakeClock()
            let summary = try await job.run(transport: transport, clock: clock)
            #expect(summary.rows == 1)
            #expect(summary.retries == 3)
            #expect(transport.statuses == [429, 503, 502, 200])
            #expect(clock.sleeps.first.map { $0 >= .seconds(7) } == true, "\(clock.sleeps)")
            #expect(clock.sleeps.dropFirst().allSatisfy { $0 < .seconds(1) })
            let request = try #require(transport.requests.first)
            #expect(request.method == "POST")
            #expect(request.url == "http://127.0.0.1:9/api/projects/1/query/")
            #expect(request.header("Authorization") == "Bearer \(TestKeys.personal)")
            #expect(request.json?["query"]?["kind"] == "HogQLQuery")
        }
    }

    @Test("a server that keeps failing stops the export with exit 4; nothing is published")
    func keepsFailing() async throws {
        try await withTemporaryDirectory { dir in
            let transport = ScriptedTransport([], then: .status(503))
            let job = ExportTestJob(directory: dir)
            do {
                _ = try await job.run(transport: transport)
                Issue.record("expected an error")
            } catch let error as ExportError {
                #expect(error.kind == .serverFailing)
                #expect(error.exitCode == 4)
            }
            #expect(transport.requestCount == 5)
            #expect(try job.fileNames().isEmpty)
        }
    }

    @Test("401 is exit 3 and never shows the key; 400 is exit 2 with the server's detail")
    func authenticationAndRefusal() async throws {
        try await withTemporaryDirectory { dir in
            let job = ExportTestJob(directory: dir)
            do {
                _ = try await job.run(transport: ScriptedTransport([], then: .status(401, body: #"{"detail":"Invalid personal API key."}"#)))
                Issue.record("expected an error")
            } catch let error as ExportError {
                #expect(error.kind == .authentication)
                #expect(error.exitCode == 3)
                #expect(!error.message.contains(TestKeys.personal))
            }
            do {
                _ = try await job.run(transport: ScriptedTransport([], then: .status(400, body: #"{"detail":"Unknown table events2"}"#)))
                Issue.record("expected an error")
            } catch let error as ExportError {
                #expect(error.kind == .usage)
                #expect(error.message.contains("Unknown table events2"))
            }
        }
    }

    @Test("the token bucket keeps requests under the per-minute ceiling (waits asked of the injected sleep)")
    func rateLimited() async throws {
        try await withTemporaryDirectory { dir in
            // Five full pages of one row each, then an empty one.
            let pages = (0..<5).map { Self.page([(ImportRows.uuid($0), Self.t0 + Int64($0) * 1_000_000)]) }
            let transport = ScriptedTransport(pages, then: Self.page([]))
            var job = ExportTestJob(directory: dir)
            job.configuration.pageSize = 1
            job.configuration.requestsPerMinute = 60
            let clock = FakeClock()
            let summary = try await job.run(transport: transport, clock: clock)
            #expect(summary.rows == 5)
            #expect(transport.requestCount == 6)
            // One token a second, a bucket of one: every request after the first waits a second.
            #expect(clock.sleeps.count == 5)
            #expect(clock.sleeps.allSatisfy { $0 >= .milliseconds(990) && $0 <= .milliseconds(1000) }, "\(clock.sleeps)")
        }
    }

    @Test("the hourly budget: a tenth of it in a burst, then its steady rate, even when the per-minute limit is far away")
    func hourlyBudget() async throws {
        try await withTemporaryDirectory { dir in
            let pages = (0..<6).map { Self.page([(ImportRows.uuid($0), Self.t0 + Int64($0) * 1_000_000)]) }
            let transport = ScriptedTransport(pages, then: Self.page([]))
            var job = ExportTestJob(directory: dir)
            job.configuration.pageSize = 1
            job.configuration.requestsPerMinute = 6000
            // 36 an hour: one token per 100 s, a burst of 3.6.
            job.configuration.requestsPerHour = 36
            let clock = FakeClock()
            let summary = try await job.run(transport: transport, clock: clock)
            #expect(summary.rows == 6)
            #expect(transport.requestCount == 7)
            // Three requests from the burst (0.6 left), the fourth waits for 0.4 of a token (40 s), the rest 100 s each.
            let waits = clock.sleeps.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
            #expect(waits.count == 4, "\(waits)")
            #expect(abs(waits[0] - 40) < 0.01, "\(waits)")
            #expect(waits.dropFirst().allSatisfy { abs($0 - 100) < 0.01 }, "\(waits)")
        }
    }

    @Test("asynchronous: 202 with a query id, polls answered 202 then complete; the poll URL carries the id")
    func asyncPolling() async throws {
        try await withTemporaryDirectory { dir in
            let complete: JSONValue = [
                "query_status": [
                    "id": "abc123", "complete": true,
                    "results": [
                        "results": [[.string(ImportRows.uuid(9)), "e", "u", .int(Self.t0), "{\"k\":1}"]],
                        "columns": .array(ExportQuery.columns.map { .string($0) }),
                        "hasMore": false,
                    ],
                ]
            ]
            let transport = ScriptedTransport([
                .respond(status: 202, headers: [], body: Array(#"{"query_status":{"id":"abc123","complete":false}}"#.utf8)),
                .respond(status: 202, headers: [], body: Array(#"{"query_status":{"id":"abc123","complete":false}}"#.utf8)),
                .respond(status: 200, headers: [], body: Array(#"{"query_status":{"id":"abc123","complete":false}}"#.utf8)),
                .respond(status: 200, headers: [], body: JSONWriter.encode(complete)),
            ])
            let job = ExportTestJob(directory: dir)
            let summary = try await job.run(transport: transport, clock: FakeClock())
            #expect(summary.rows == 1)
            #expect(summary.polls == 3)
            #expect(transport.requests.dropFirst().allSatisfy { $0.method == "GET" && $0.url.hasSuffix("/api/projects/1/query/abc123/") })
            let row = try #require(try job.ndjsonRows().first)
            #expect(row["properties"]?["k"] == 1)
        }
    }

    @Test("response shapes: ISO-8601 timestamps and object properties are read too")
    func responseShapes() async throws {
        try await withTemporaryDirectory { dir in
            let transport = ScriptedTransport([Self.page([(ImportRows.uuid(1), Self.t0 + 5)], stringTimestamps: true)])
            let job = ExportTestJob(directory: dir)
            #expect(try await job.run(transport: transport, clock: FakeClock()).rows == 1)
            let row = try #require(try job.ndjsonRows().first)
            #expect(row["timestamp"]?.stringValue.flatMap { Timestamp(iso8601: $0) }?.microseconds == Self.t0 + 5)
            #expect(row["properties"] == ["plan": "pro"])
        }
    }

    @Test("ExportQuery: every text it sends parses back; unknown texts and values are refused")
    func queryShapes() throws {
        let after = ExportCursor(timestamp: ImportRows.base, uuid: ImportRows.uuid(1))
        for query in [
            ExportQuery(since: ImportRows.base, until: .now(), limit: 10),
            ExportQuery(since: ImportRows.base, until: .now(), after: after, limit: 10),
            ExportQuery(since: ImportRows.base, until: .now(), events: ["a", "b"], limit: 50_000),
            ExportQuery(since: ImportRows.base, until: .now(), after: after, events: ["a"], limit: 1),
        ] {
            #expect(ExportQuery.parse(query.body) == query)
        }
        #expect(ExportQuery.knownTexts.count == 4)
        #expect(ExportQuery.parse(["query": ["kind": "HogQLQuery", "query": "SELECT 1", "values": [:]]]) == nil)
        let tooMany = ExportQuery(since: ImportRows.base, until: .now(), limit: 50_001)
        #expect(ExportQuery.parse(tooMany.body) == nil)
    }
}
