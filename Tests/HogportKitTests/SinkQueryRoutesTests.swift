import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// The sink's query route for `hogport export`: authentication, the known query texts only,
/// paging in (timestamp, uuid) order, one row per duplicated event.
@Suite("Export: sink query route")
struct SinkQueryRoutesTests {
    static func post(_ sink: SinkServer, _ body: JSONValue, key: String? = TestKeys.personal) async throws -> RawResponse {
        var headers = [("Content-Type", "application/json")]
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        return try await sink.request("POST", "/api/projects/1/query/", body: JSONWriter.encode(body), headers: headers)
    }

    @Test("no or a wrong Bearer key is 401; an unknown query text or bad values are 400")
    func refusals() async throws {
        try await withExportSink { (sink: SinkServer) async throws in
            let query = ExportQuery(since: ImportRows.base, until: .now(), limit: 10)
            #expect(try await Self.post(sink, query.body, key: nil).status == 401)
            #expect(try await Self.post(sink, query.body, key: "phx_wrong").status == 401)
            #expect(try await Self.post(sink, query.body).status == 200)
            let other: JSONValue = ["query": ["kind": "HogQLQuery", "query": "SELECT count() FROM events", "values": [:]]]
            #expect(try await Self.post(sink, other).status == 400)
            var tampered = query.body.objectValue!
            tampered["query"] = ["kind": "HogQLQuery", "query": .string(query.text), "values": ["since": 0, "until": "2024-03-02", "limit": 10]]
            #expect(try await Self.post(sink, .object(tampered)).status == 400)
            #expect(try await Self.post(sink, ["query": ["kind": "EventsQuery"]]).status == 400)
        }
    }

    @Test("pages in (timestamp, uuid) order after the cursor; a duplicated event comes back once")
    func paging() async throws {
        try await withExportSink { (sink: SinkServer) async throws in
            let events = sinkRows(count: 12)
            try await seed(sink, events)
            try await seed(sink, Array(events[3...4]))  // delivered twice
            #expect(try sink.router.store.counts().events == 14)
            let first = try await Self.post(sink, ExportQuery(since: ImportRows.base, until: .now(), limit: 5).body)
            let json = try #require(first.json)
            #expect(json["columns"] == .array(ExportQuery.columns.map { .string($0) }))
            // Like PostHog for a query with a LIMIT: no hasMore (the exporter reads until an empty page).
            #expect(json["hasMore"] == nil || json["hasMore"] == .null)
            let rows = try #require(json["results"]?.arrayValue)
            #expect(rows.compactMap { $0.arrayValue?.first?.stringValue } == (0..<5).map(ImportRows.uuid))
            let last = try #require(rows.last?.arrayValue)
            let time = try #require(last[3].stringValue)
            #expect(time == ExportQuery.utcText(events[4].timestamp), "ClickHouse's UTC text, six fraction digits")
            let after = ExportCursor(timestamp: try #require(Timestamp(iso8601: time)), uuid: try #require(last[0].stringValue))
            let second = try await Self.post(sink, ExportQuery(since: ImportRows.base, until: .now(), after: after, limit: 50).body)
            let rest = try #require(second.json?["results"]?.arrayValue)
            #expect(rest.compactMap { $0.arrayValue?.first?.stringValue } == (5..<12).map(ImportRows.uuid))
        }
    }
}
