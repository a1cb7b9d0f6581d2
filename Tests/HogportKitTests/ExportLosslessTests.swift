import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// What export writes, import reads back exactly: properties keep the server's own text
/// (integers beyond 64 bits, decimal spellings, key order) from sink A to the file to sink B.
@Suite("Export keeps properties exactly")
struct ExportLosslessTests {
    static let t0 = ImportRows.base.microseconds + 3_600_000_000

    /// The stored properties text of `uuid` in `sink`.
    static func storedText(_ sink: SinkServer, _ uuid: String) throws -> String? {
        try sink.router.store.rawQuery("SELECT properties FROM events WHERE uuid = ?", [.text(uuid)]).first?.first?.string
    }

    @Test("the files hold the server's properties text; NDJSON brings back the same bytes, CSV the same values", arguments: [ExportFormat.ndjson, .csv])
    func exactNumbers(format: ExportFormat) async throws {
        try await withTemporaryDirectory { dir in
            let properties = #"{"z":1,"big":123456789012345678901234567890,"price":1.50,"tiny":1e-400,"a":"x, \"y\""}"#
            let uuid = ImportRows.uuid(42)
            let line = #"{"uuid":"\#(uuid)","event":"order","distinct_id":"u1","timestamp":"2024-03-01T10:00:00Z","properties":\#(properties)}"#
            // The import adds $geoip_disable (the event has no $ip): PostHog must not locate an
            // imported event where the importing machine is. A second import adds nothing more.
            let moved = String(properties.dropLast()) + #","$geoip_disable":true}"#
            try await withExportSink { a in
                try await ExportPipelineTests.importLines([line], into: a, dir: dir)
                #expect(try Self.storedText(a, uuid) == moved)
                var job = ExportTestJob(directory: dir, host: a.url)
                job.configuration.format = format
                #expect(try await job.run().rows == 1)
                let name = try #require(try job.fileNames().first)
                let text = try exportedLines(job.outputDirectory + "/" + name).joined(separator: "\n")
                let expected = format == .ndjson ? moved : moved.replacingOccurrences(of: "\"", with: "\"\"")
                #expect(text.contains(expected), "\(text)")
                try await withExportSink { b in
                    let summary = try await ExportPipelineTests.importPaths([job.outputDirectory], into: b)
                    #expect(summary.counts.rejected == 0)
                    let stored = try #require(try Self.storedText(b, uuid))
                    if format == .ndjson {
                        // NDJSON lines are copied through by the import: the same bytes.
                        #expect(stored == moved)
                    } else {
                        // A CSV cell is parsed into values: the same values (a number beyond 64 bits as the
                        // nearest double, 1.50 as 1.5), not the same spelling.
                        #expect(try JSONParser.parse(stored) == JSONParser.parse(moved))
                    }
                }
            }
        }
    }

    @Test("properties text with a line break or a repeated key is written again from its value (sorted keys, last value)")
    func rewrittenWhenNotCopyable() async throws {
        try await withTemporaryDirectory { (dir: TemporaryDirectory) async throws in
            let body: JSONValue = [
                "results": [
                    [.string(ImportRows.uuid(1)), "e", "u", .int(Self.t0), "{\"b\":1,\n\"a\":2}"],
                    [.string(ImportRows.uuid(2)), "e", "u", .int(Self.t0 + 1), "{\"k\":1,\"k\":2}"],
                    [.string(ImportRows.uuid(3)), "e", "u", .int(Self.t0 + 2), "{\"b\": 1, \"a\": 2}"],
                ],
                "columns": .array(ExportQuery.columns.map { .string($0) }), "hasMore": false,
            ]
            let job = ExportTestJob(directory: dir)
            #expect(
                try await job.run(transport: ScriptedTransport([.respond(status: 200, headers: [], body: JSONWriter.encode(body))]), clock: FakeClock()).rows
                    == 3)
            let name = try #require(try job.fileNames().first)
            let lines = try exportedLines(job.outputDirectory + "/" + name)
            #expect(lines.count == 3)
            #expect(lines[0].hasSuffix(#""properties":{"a":2,"b":1}}"#), "\(lines[0])")
            #expect(lines[1].hasSuffix(#""properties":{"k":2}}"#), "\(lines[1])")
            #expect(lines[2].hasSuffix(#""properties":{"b": 1, "a": 2}}"#), "\(lines[2])")
        }
    }

    @Test("elements_chain (kept by PostHog outside properties) goes into the files as $elements_chain; the import sends it back")
    func elementsChain() async throws {
        try await withTemporaryDirectory { (dir: TemporaryDirectory) async throws in
            let chain = #"a.nav:href="/pricing"nth-child="1"tag_name="a"text="Pricing""#
            let body: JSONValue = [
                "results": [
                    [.string(ImportRows.uuid(1)), "$autocapture", "u", "2024-03-01 11:00:00.000001", "{\"$event_type\": \"click\"}", .string(chain)],
                    [.string(ImportRows.uuid(2)), "$autocapture", "u", "2024-03-01 11:00:00.000002", "{ }", .string(chain)],
                    [.string(ImportRows.uuid(3)), "$pageview", "u", "2024-03-01 11:00:00.000003", "{\"k\":1}", ""],
                    [.string(ImportRows.uuid(4)), "$autocapture", "u", "2024-03-01 11:00:00.000004", "{\"$elements_chain\":\"own\"}", .string(chain)],
                ],
                "columns": .array(ExportQuery.columns.map { .string($0) }),
            ]
            let job = ExportTestJob(directory: dir)
            let transport = ScriptedTransport(
                [.respond(status: 200, headers: [], body: JSONWriter.encode(body))],
                then: .respond(status: 200, headers: [], body: Array(#"{"results":[],"columns":[]}"#.utf8)))
            #expect(try await job.run(transport: transport, clock: FakeClock()).rows == 4)
            let name = try #require(try job.fileNames().first)
            let lines = try exportedLines(job.outputDirectory + "/" + name)
            let escaped = JSONWriter.string(.string(chain))
            #expect(lines[0].hasSuffix(#""properties":{"$elements_chain":\#(escaped),"$event_type": "click"}}"#), "\(lines[0])")
            #expect(lines[1].hasSuffix(#""properties":{"$elements_chain":\#(escaped) }}"#), "\(lines[1])")
            #expect(lines[2].hasSuffix(#""properties":{"k":1}}"#), "\(lines[2])")
            #expect(lines[3].hasSuffix(#""properties":{"$elements_chain":"own"}}"#), "\(lines[3])")
            #expect(lines[0].contains(#""timestamp":"2024-03-01T11:00:00.000001Z""#), "\(lines[0])")

            // The import sends the chain in the properties (where PostHog's ingestion reads it).
            try await withExportSink { b in
                let summary = try await ExportPipelineTests.importPaths([job.outputDirectory], into: b)
                #expect(summary.counts.rejected == 0)
                let stored = try ExportPipelineTests.byUUID(b)
                #expect(stored[ImportRows.uuid(1)]?.properties["$elements_chain"] == .string(chain))
                #expect(stored[ImportRows.uuid(3)]?.properties["$elements_chain"] == nil)
            }
        }
    }

    @Test("an answer over the transport's size limit: the page is asked again with half the rows, doubled back after 8 pages that fit; every event once")
    func oversizedAnswersHalveThePage() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink { sink in
                var rows = sinkRows(count: 600, spacing: .seconds(600))
                for i in rows.indices { rows[i].properties["padding"] = .string(String(repeating: "x", count: 400)) }
                try await seed(sink, rows)
                // About 600 bytes a row: 100 rows do not fit in 40 KB, 50 do.
                let transport = AsyncHTTPClientTransport(maximumConnections: 1, maximumResponseBytes: 40_000)
                var job = ExportTestJob(directory: dir, host: sink.url)
                job.configuration.pageSize = 100
                let summary: ExportSummary
                do {
                    summary = try await job.run(transport: transport)
                } catch {
                    await transport.shutdown()
                    throw error
                }
                await transport.shutdown()
                #expect(summary.rows == 600)
                // 100 refused; 8 pages of 50; 100 again, refused; 4 pages of 50; the empty page that ends the pass.
                #expect(summary.requests == 1 + 8 + 1 + 4 + 1, "\(summary.requests) queries")
                let uuids = try job.ndjsonRows().compactMap { $0["uuid"]?.stringValue }
                #expect(uuids == (0..<600).map(ImportRows.uuid))
            }

            // One row alone over the limit: exit 4 with the reason, nothing lost from the checkpoint.
            try await withExportSink { sink in
                var big = sinkRows(count: 1)
                big[0].properties["padding"] = .string(String(repeating: "y", count: 5_000))
                try await seed(sink, big)
                let transport = AsyncHTTPClientTransport(maximumConnections: 1, maximumResponseBytes: 2_000)
                var job = ExportTestJob(directory: try TemporaryDirectory(prefix: "hogport-big"), host: sink.url)
                defer { job.directory.remove() }
                job.configuration.pageSize = 8
                do {
                    _ = try await job.run(transport: transport)
                    Issue.record("expected an error")
                } catch let error as ExportError {
                    #expect(error.kind == .responseTooLarge)
                    #expect(error.exitCode == 4)
                }
                await transport.shutdown()
            }
        }
    }
}
