import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// `ExportPipeline` against the sink's query route (and scripted transports): round trips through
/// the import, incremental runs, open-day parts, lookback, checkpoint rules.
@Suite("Export pipeline")
struct ExportPipelineTests {
    /// Imports `lines` into `sink` with the importer.
    static func importLines(_ lines: [String], into sink: SinkServer, dir: TemporaryDirectory, name: String = "seed.ndjson") async throws {
        let path = try writeLines(dir, name, lines)
        let job = ImportTestJob(directory: try TemporaryDirectory(prefix: "hogport-seed"), inputs: [path], host: sink.url)
        defer { job.directory.remove() }
        _ = try await withHTTPTransport { transport in try await job.run(transport: transport) }
    }

    /// Imports `inputs` (files or directories) into `sink`.
    static func importPaths(_ inputs: [String], into sink: SinkServer) async throws -> ImportSummary {
        let job = ImportTestJob(directory: try TemporaryDirectory(prefix: "hogport-reimport"), inputs: try InputExpander.expand(inputs), host: sink.url)
        defer { job.directory.remove() }
        return try await withHTTPTransport { transport in try await job.run(transport: transport) }
    }

    /// The events of a sink by uuid.
    static func byUUID(_ sink: SinkServer) throws -> [String: SinkStore.StoredEvent] {
        var out: [String: SinkStore.StoredEvent] = [:]
        for event in try sink.storedEvents() { out[event.uuid] = event }
        return out
    }

    static func expectSameEvents(_ a: [String: SinkStore.StoredEvent], _ b: [String: SinkStore.StoredEvent]) {
        #expect(Set(a.keys) == Set(b.keys))
        for (uuid, event) in a {
            guard let other = b[uuid] else { continue }
            #expect(other.event == event.event, "\(uuid)")
            #expect(other.distinctId == event.distinctId, "\(uuid)")
            #expect(other.timestamp == event.timestamp, "\(uuid)")
            // The second import adds $geoip_disable to events without $ip (the first added it too).
            var expected = event.properties
            if expected["$ip"] == nil { expected["$geoip_disable"] = expected["$geoip_disable"] ?? true }
            #expect(other.properties == expected, "\(uuid)")
        }
    }

    @Test("round trip: import into sink A, export gzip NDJSON, import the directory into sink B: same uuids, timestamps, properties")
    func roundTripNDJSON() async throws {
        try await withTemporaryDirectory { dir in
            let count = 500
            try await withExportSink { a in
                try await Self.importLines(ImportRows.sampleNDJSON(count: count, days: 3), into: a, dir: dir)
                var job = ExportTestJob(directory: dir, host: a.url)
                job.configuration.gzip = true
                job.configuration.pageSize = 70
                let summary = try await job.run()
                #expect(summary.rows == count)
                #expect(try job.fileNames() == ["events-2024-03-01.ndjson.gz", "events-2024-03-02.ndjson.gz", "events-2024-03-03.ndjson.gz"])

                // The manifest: counts and checksums of the files on disk; every day complete.
                let manifest = try job.manifest()
                #expect(manifest["rows"]?.intValue == Int64(count))
                for file in manifest["files"]?.arrayValue ?? [] {
                    let name = try #require(file["name"]?.stringValue)
                    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: job.outputDirectory + "/" + name)))
                    let sha1 = SHA1.hex(SHA1.hash(bytes))
                    #expect(file["sha1"]?.stringValue == sha1)
                    #expect(file["bytes"]?.intValue == Int64(bytes.count))
                    #expect(file["rows"]?.intValue == Int64(try exportedLines(job.outputDirectory + "/" + name).count))
                    #expect(file["complete"]?.boolValue == true)
                }
                // Rows are in the posthog preset's shape.
                let first = try #require(try job.ndjsonRows().first)
                #expect(Set(first.objectValue?.keys.map { $0 } ?? []) == ["uuid", "event", "distinct_id", "timestamp", "properties"])

                try await withExportSink { b in
                    let reimport = try await Self.importPaths([job.outputDirectory], into: b)
                    #expect(reimport.counts.rejected == 0)
                    let exported = try Self.byUUID(a)
                    #expect(exported.count == count)
                    Self.expectSameEvents(exported, try Self.byUUID(b))
                }
            }
        }
    }

    @Test("CSV round trip: a properties column holding the JSON object; the import restores the same events")
    func roundTripCSV() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink { a in
                var rows = sinkRows(count: 120, spacing: .seconds(1800))
                rows[3].properties["note"] = "comma, \"quote\"\nnew line"
                rows[4].distinctId = "01234"
                rows[5].properties["nested"] = ["a": [1, 2.5, nil], "b": true]
                try await seed(a, rows)
                var job = ExportTestJob(directory: dir, host: a.url)
                job.configuration.format = .csv
                let summary = try await job.run()
                #expect(summary.rows == 120)
                #expect(try job.fileNames() == ["events-2024-03-01.csv", "events-2024-03-02.csv", "events-2024-03-03.csv"])
                #expect(try exportedLines(job.outputDirectory + "/events-2024-03-01.csv").first == "uuid,event,distinct_id,timestamp,properties")
                try await withExportSink { b in
                    let reimport = try await Self.importPaths([job.outputDirectory], into: b)
                    #expect(reimport.counts.rejected == 0)
                    Self.expectSameEvents(try Self.byUUID(a), try Self.byUUID(b))
                }
            }
        }
    }

    @Test("incremental: the second run exports only new events, continuing the open day in a part file")
    func incremental() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink { sink in
                // 2024-03-01 00:00 .. 16:40 (100 events a minute apart... 10 minutes apart).
                try await seed(sink, sinkRows(count: 100, spacing: .seconds(600)))
                var job = ExportTestJob(directory: dir, host: sink.url)
                job.now = Timestamp(year: 2024, month: 3, day: 1, hour: 18)!
                let first = try await job.run()
                #expect(first.rows == 100)
                #expect(try job.fileNames() == ["events-2024-03-01.ndjson"])
                #expect(try job.manifest()["files"]?.arrayValue?.first?["complete"] == false)

                // Later: 30 more events (the rest of day 1 and into day 2); the run ends mid-day 2.
                try await seed(sink, sinkRows(count: 30, first: 100, start: Timestamp(year: 2024, month: 3, day: 1, hour: 20)!, spacing: .seconds(1800)))
                job.configuration.since = nil  // defaults to the checkpoint
                job.now = Timestamp(year: 2024, month: 3, day: 3, hour: 1)!  // past the settle window after day 2
                let second = try await job.run()
                #expect(second.rows == 30)
                #expect(try job.fileNames() == ["events-2024-03-01.ndjson", "events-2024-03-01.part-2.ndjson", "events-2024-03-02.ndjson"])
                let files = try #require(try job.manifest()["files"]?.arrayValue)
                #expect(files.map { $0["complete"]?.boolValue } == [false, true, true])

                // A third run finds nothing new and writes nothing.
                let third = try await job.run()
                #expect(third.rows == 0)
                #expect(third.files.isEmpty)

                let uuids = try job.ndjsonRows().compactMap { $0["uuid"]?.stringValue }
                #expect(uuids.count == 130)
                #expect(Set(uuids) == Set((0..<130).map(ImportRows.uuid)))
            }
        }
    }

    @Test(
        "--lookback added to an existing job works on its first run: the window's uuids are read back from the day files",
        arguments: [ExportFormat.ndjson, .csv])
    func lookbackAddedLater(format: ExportFormat) async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink { sink in
                let base = ImportRows.base
                try await seed(sink, sinkRows(count: 60, spacing: .seconds(600)))  // 00:00 .. 09:50
                var job = ExportTestJob(directory: dir, host: sink.url)
                job.configuration.format = format
                job.configuration.gzip = true
                job.configuration.pageSize = 7
                job.now = Timestamp(year: 2024, month: 3, day: 1, hour: 12)!
                #expect(try await job.run().rows == 60)  // no lookback: the checkpoint remembers no uuids

                let late = sinkRows(count: 5, first: 1000, start: Timestamp(microseconds: base.microseconds + 8 * 3_600_000_000), spacing: .seconds(300))
                try await seed(sink, late)
                job.configuration.since = nil
                job.configuration.lookback = .seconds(3 * 3600)
                let second = try await job.run()
                #expect(second.lookbackRows == 5, "the late events, found on the first run with --lookback")
                #expect(second.duplicatesSkipped == 19, "the window's 19 exported events, known from the files")
                let third = try await job.run()
                #expect(third.lookbackRows == 0)
            }
        }
    }

    @Test("--lookback: late events before the cursor go to a new part, deduplicated by uuid; a repeat finds nothing")
    func lookbackDedupe() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink { sink in
                let base = ImportRows.base
                try await seed(sink, sinkRows(count: 60, spacing: .seconds(600)))  // 00:00 .. 09:50
                var job = ExportTestJob(directory: dir, host: sink.url)
                job.configuration.lookback = .seconds(3 * 3600)
                job.configuration.pageSize = 7
                job.now = Timestamp(year: 2024, month: 3, day: 1, hour: 12)!
                let first = try await job.run()
                #expect(first.rows == 60)
                #expect(first.lookbackRows == 0)

                // Late arrivals: 5 inside the 3 h window before the cursor (09:50), 2 before it
                // (not covered), and 4 new ones after the cursor.
                let late = sinkRows(count: 5, first: 1000, start: Timestamp(microseconds: base.microseconds + 8 * 3_600_000_000), spacing: .seconds(300))
                let tooOld = sinkRows(count: 2, first: 2000, start: Timestamp(microseconds: base.microseconds + 3_600_000_000))
                let fresh = sinkRows(count: 4, first: 3000, start: Timestamp(year: 2024, month: 3, day: 1, hour: 11)!)
                try await seed(sink, late + tooOld + fresh)
                job.configuration.since = nil
                let second = try await job.run()
                #expect(second.lookbackRows == 5)
                #expect(second.rows == 4)
                // The window held 19 events of the first run (06:50 .. 09:50, the cursor's own instant included).
                #expect(second.duplicatesSkipped == 19)
                #expect(try job.fileNames() == ["events-2024-03-01.ndjson", "events-2024-03-01.part-2.ndjson", "events-2024-03-01.part-3.ndjson"])
                let files = try #require(try job.manifest()["files"]?.arrayValue)
                #expect(files.map { $0["lookback"]?.boolValue } == [false, true, false])
                #expect(files.map { $0["rows"]?.intValue } == [60, 5, 4])

                let third = try await job.run()
                #expect(third.lookbackRows == 0)
                #expect(third.rows == 0)
                let uuids = try job.ndjsonRows().compactMap { $0["uuid"]?.stringValue }
                #expect(uuids.count == 69)
                #expect(Set(uuids).count == 69)
            }
        }
    }

    @Test("asynchronous queries: 202, then polls until complete")
    func asynchronousQueries() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink(asynchronous: true) { sink in
                try await seed(sink, sinkRows(count: 40, spacing: .seconds(3600)))
                var job = ExportTestJob(directory: dir, host: sink.url)
                job.configuration.pageSize = 25
                let summary = try await job.run()
                #expect(summary.rows == 40)
                #expect(summary.polls == 6)  // two pages and the empty one that ends the pass (no hasMore), two polls each
                #expect(Set(try job.ndjsonRows().compactMap { $0["uuid"]?.stringValue }).count == 40)
            }
        }
    }

    @Test("injected sink failures on the query route are retried")
    func sinkFaultsRetried() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink(configure: {
                $0.faults.failRate = 0.4
                $0.faults.failCodes = [503, 429]
                $0.faults.retryAfter = 1
            }) { sink in
                try await seed(sink, sinkRows(count: 90, spacing: .seconds(900)))
                var job = ExportTestJob(directory: dir, host: sink.url)
                job.configuration.pageSize = 10
                job.configuration.retryPolicy.maxRetries = 20
                let clock = FakeClock()
                let summary = try await withHTTPTransport { transport in try await job.run(transport: transport, clock: clock) }
                #expect(summary.rows == 90)
                #expect(summary.retries > 0)
                #expect(clock.sleeps.contains { $0 >= .seconds(1) }, "Retry-After: 1 is a floor")
                #expect(Set(try job.ndjsonRows().compactMap { $0["uuid"]?.stringValue }).count == 90)
            }
        }
    }

    @Test("checkpoint rules: --since required at first; another format or since is a usage error; --restart starts over")
    func checkpointRules() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink { sink in
                try await seed(sink, sinkRows(count: 10))
                var job = ExportTestJob(directory: dir, host: sink.url, since: nil)
                await #expect(throws: ExportError.self) { _ = try await job.run() }
                job.configuration.since = ImportRows.base
                #expect(try await job.run().rows == 10)

                var other = job
                other.configuration.format = .csv
                do {
                    _ = try await other.run()
                    Issue.record("expected a usage error")
                } catch let error as ExportError {
                    #expect(error.kind == .usage)
                    #expect(error.exitCode == 2)
                }
                var earlier = job
                earlier.configuration.since = Timestamp(year: 2024, month: 2, day: 1)
                await #expect(throws: ExportError.self) { _ = try await earlier.run() }

                other.configuration.restart = true
                #expect(try await other.run().rows == 10)
                // The restarted export writes that day again: the earlier export's file of it is gone.
                #expect(try other.fileNames() == ["events-2024-03-01.csv"])
            }
        }
    }

    @Test("--restart with a later --since: files of the days written again (parts included) are removed, earlier days' files stay")
    func restartRemovesReplacedDays() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink { sink in
                try await seed(sink, sinkRows(count: 48, spacing: .seconds(3600)))  // two days
                var job = ExportTestJob(directory: dir, host: sink.url)
                job.configuration.until = Timestamp(microseconds: ImportRows.base.microseconds + 36 * 3_600_000_000)
                #expect(try await job.run().rows == 36)
                job.configuration.until = nil
                #expect(try await job.run().rows == 12)
                #expect(try job.fileNames() == ["events-2024-03-01.ndjson", "events-2024-03-02.ndjson", "events-2024-03-02.part-2.ndjson"])
                // A file hogport did not write is never touched.
                _ = FileManager.default.createFile(atPath: job.outputDirectory + "/notes.txt", contents: Data("mine".utf8))

                job.configuration.restart = true
                job.configuration.since = Timestamp(microseconds: ImportRows.base.microseconds + 24 * 3_600_000_000)
                #expect(try await job.run().rows == 24)
                #expect(try job.fileNames() == ["events-2024-03-01.ndjson", "events-2024-03-02.ndjson", "notes.txt"])
                let manifest = try job.manifest()
                #expect(manifest["files"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["events-2024-03-02.ndjson"])
                #expect(try exportedLines(job.outputDirectory + "/events-2024-03-02.ndjson").count == 24)
            }
        }
    }

    @Test("--restart with an earlier --until removes only the days it writes again; a file changed since is left alone; years outside 1900-2299 are refused")
    func restartWithinUntil() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink { sink in
                try await seed(sink, sinkRows(count: 72, spacing: .seconds(3600)))  // three days
                var job = ExportTestJob(directory: dir, host: sink.url)
                #expect(try await job.run().rows == 72)
                #expect(try job.fileNames() == ["events-2024-03-01.ndjson", "events-2024-03-02.ndjson", "events-2024-03-03.ndjson"])
                // Someone edits day 2's file: it is no longer the file the export wrote.
                let edited = job.outputDirectory + "/events-2024-03-02.ndjson"
                try Data("edited\n".utf8).write(to: URL(fileURLWithPath: edited))

                job.configuration.restart = true
                job.configuration.until = Timestamp(year: 2024, month: 3, day: 3)
                #expect(try await job.run().rows == 48)
                #expect(try job.fileNames() == ["events-2024-03-01.ndjson", "events-2024-03-02.ndjson", "events-2024-03-03.ndjson"])
                // Day 3 is outside the restarted range: untouched. Day 2 was replaced by the rename of the new file.
                #expect(try exportedLines(job.outputDirectory + "/events-2024-03-03.ndjson").count == 24)
                #expect(try exportedLines(edited).count == 24)

                var ancient = job
                ancient.configuration.since = Timestamp(year: 1899, month: 12, day: 31)
                do {
                    _ = try await ancient.run()
                    Issue.record("expected a usage error")
                } catch let error as ExportError {
                    #expect(error.exitCode == 2)
                    #expect(error.message.contains("1900 to 2299"))
                }
            }
        }
    }

    @Test("a temporary file left by a killed run is removed; an uncommitted published file is rewritten under the same name")
    func leftoversAfterCrash() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink { sink in
                try await seed(sink, sinkRows(count: 30))
                let job = ExportTestJob(directory: dir, host: sink.url)
                try FileManager.default.createDirectory(atPath: job.outputDirectory, withIntermediateDirectories: true)
                // As if a run was killed after renaming its first file but before committing it.
                try Data("{\"uuid\":\"stale\"}\n".utf8).write(to: URL(fileURLWithPath: job.outputDirectory + "/events-2024-03-01.ndjson"))
                try Data("partial".utf8).write(to: URL(fileURLWithPath: job.outputDirectory + "/.events-2024-03-01.part-2.ndjson.tmp"))
                #expect(try await job.run().rows == 30)
                #expect(try FileManager.default.contentsOfDirectory(atPath: job.outputDirectory).filter { $0.hasSuffix(".tmp") }.isEmpty)
                let uuids = try job.ndjsonRows().compactMap { $0["uuid"]?.stringValue }
                #expect(uuids == (0..<30).map(ImportRows.uuid))
            }
        }
    }

    @Test("--events filters by name; the query text is one the sink knows")
    func eventFilter() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink { sink in
                try await seed(sink, sinkRows(count: 50))
                var job = ExportTestJob(directory: dir, host: sink.url)
                job.configuration.events = ["$pageview"]
                job.configuration.pageSize = 3
                #expect(try await job.run().rows == 10)
                #expect(try job.ndjsonRows().allSatisfy { $0["event"]?.stringValue == "$pageview" })
            }
        }
    }
}
