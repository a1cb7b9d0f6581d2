import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// The export review's defects, each pinned: the uuid alias, the settle window, the checkpoint
/// lock, publishing on failure, force_blocking, the lookback's cursor instant, short pages.
@Suite("Export review fixes")
struct ExportReviewFixesTests {
    static let t0 = ImportRows.base.microseconds + 3_600_000_000
    static func minutes(_ m: Int64) -> Int64 { m * 60_000_000 }

    static func uuids(_ job: ExportTestJob) throws -> [String] {
        try job.ndjsonRows().compactMap { $0["uuid"]?.stringValue }
    }

    @Test("the uuid text is aliased uuid_text: WHERE and ORDER BY compare the UUID column; the files keep the key uuid; refresh is force_blocking")
    func uuidAliasAndForceBlocking() async throws {
        for cursor in [false, true] {
            for events in [false, true] {
                let text = ExportQuery.text(cursor: cursor, eventFilter: events)
                #expect(text.contains("toString(uuid) AS uuid_text"))
                #expect(!text.contains("AS uuid,"))
                #expect(text.contains("ORDER BY timestamp, uuid LIMIT"))
                if cursor {
                    #expect(
                        text.contains(
                            "timestamp >= toDateTime({after_time}, 'UTC') AND (timestamp, uuid) > (toDateTime({after_time}, 'UTC'), toUUID({after_uuid}))"))
                }
                // HogQL has no toUnixTimestamp64Micro/fromUnixTimestamp64Micro: instants go as UTC text.
                #expect(!text.contains("64Micro"))
                #expect(text.contains("toString(timestamp, 'UTC') AS timestamp_utc"))
            }
        }
        #expect(ExportQuery.columns.first == "uuid_text")
        let query = ExportQuery(since: ImportRows.base, until: .now(), limit: 10)
        #expect(query.body["refresh"] == "force_blocking")
        let late = try #require(Timestamp(iso8601: "2024-03-01T10:00:00.000007Z"))
        let paged = ExportQuery(since: ImportRows.base, until: late, after: ExportCursor(timestamp: late, uuid: ImportRows.uuid(1)), limit: 10)
        #expect(paged.values["until"] == "2024-03-01 10:00:00.000007")
        #expect(paged.values["after_time"] == "2024-03-01 10:00:00.000007")
        #expect(ExportQuery.utcText(Timestamp(microseconds: -1)) == "1969-12-31 23:59:59.999999")
        #expect(ExportQuery.parse(paged.body) == paged)

        try await withTemporaryDirectory { (dir: TemporaryDirectory) async throws in
            let server = FakeQueryServer(rows: [.init(ImportRows.uuid(1), Self.t0)])
            let transport = server.transport
            let job = ExportTestJob(directory: dir)
            #expect(try await job.run(transport: transport, clock: FakeClock()).rows == 1)
            #expect(try job.ndjsonRows().first?["uuid"] == .string(ImportRows.uuid(1)))
            #expect(transport.requests.first?.json?["refresh"] == "force_blocking")
        }
    }

    @Test("the sink answers with the uuid_text column and the exporter reads it")
    func sinkColumns() async throws {
        try await withTemporaryDirectory { (dir: TemporaryDirectory) async throws in
            try await withExportSink { sink in
                try await seed(sink, sinkRows(count: 5))
                let job = ExportTestJob(directory: dir, host: sink.url)
                #expect(try await job.run().rows == 5)
                #expect(try Self.uuids(job) == (0..<5).map(ImportRows.uuid))
            }
        }
    }

    @Test("default --until is now minus the settle window; an explicit --until overrides it")
    func settleWindow() async throws {
        try await withTemporaryDirectory { (dir: TemporaryDirectory) async throws in
            var job = ExportTestJob(directory: dir)
            let now = job.now.microseconds
            let server = FakeQueryServer(rows: [.init("u-old", now - Self.minutes(30)), .init("u-recent", now - Self.minutes(5))])
            let first = try await job.run(transport: server.transport, clock: FakeClock())
            #expect(first.rows == 1)
            #expect(first.until?.microseconds == now - Self.minutes(10))
            #expect(server.queries.first?.until.microseconds == now - Self.minutes(10))
            #expect(try Self.uuids(job) == ["u-old"])

            // Later, the recent row is settled and exported by the next run.
            job.configuration.since = nil
            job.now = Timestamp(microseconds: now + Self.minutes(20))
            #expect(try await job.run(transport: server.transport, clock: FakeClock()).rows == 1)
            #expect(try Self.uuids(job) == ["u-old", "u-recent"])

            var explicit = ExportTestJob(directory: try TemporaryDirectory(prefix: "hogport-settle"))
            defer { explicit.directory.remove() }
            explicit.configuration.until = Timestamp(microseconds: now)
            explicit.configuration.settle = .seconds(3600)
            let summary = try await explicit.run(transport: server.transport, clock: FakeClock())
            #expect(summary.until?.microseconds == now)
            #expect(summary.rows == 2)
        }
    }

    @Test("a second run on a locked checkpoint is a usage error (exit 2) and touches nothing")
    func checkpointLock() async throws {
        try await withTemporaryDirectory { (dir: TemporaryDirectory) async throws in
            let job = ExportTestJob(directory: dir)
            try FileManager.default.createDirectory(atPath: job.outputDirectory, withIntermediateDirectories: true)
            // A temporary file of the running export must survive the refused run.
            let temporary = job.outputDirectory + "/.events-2024-03-01.ndjson.tmp"
            try Data("running".utf8).write(to: URL(fileURLWithPath: temporary))
            // O_CLOEXEC: a process another test spawns meanwhile must not inherit (and keep) the lock.
            let fd = open(job.configuration.lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            #expect(fd >= 0)
            #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
            let server = FakeQueryServer(rows: [.init("u-1", Self.t0)])
            do {
                _ = try await job.run(transport: server.transport, clock: FakeClock())
                Issue.record("expected the lock to refuse the run")
            } catch let error as ExportError {
                #expect(error.exitCode == 2)
                #expect(error.message.contains("another export is running on this checkpoint"))
            }
            #expect(FileManager.default.fileExists(atPath: temporary))
            #expect(server.queries.isEmpty)
            close(fd)
            try FileManager.default.removeItem(atPath: temporary)
            #expect(try await job.run(transport: server.transport, clock: FakeClock()).rows == 1)
            // Released at the end of a run: another run goes through.
            #expect(try await job.run(transport: server.transport, clock: FakeClock()).rows == 0)
        }
    }

    @Test("a server failure after some pages publishes the open day up to the last row; the next run continues after it")
    func failurePublishesOpenDay() async throws {
        try await withTemporaryDirectory { (dir: TemporaryDirectory) async throws in
            let rows = (0..<10).map { FakeQueryServer.Row(ImportRows.uuid($0), Self.t0 + Int64($0) * 1_000_000) }
            let server = FakeQueryServer(rows: rows, failFrom: 2)
            var job = ExportTestJob(directory: dir)
            job.configuration.pageSize = 3
            do {
                _ = try await job.run(transport: server.transport, clock: FakeClock())
                Issue.record("expected the server failure")
            } catch let error as ExportError {
                #expect(error.exitCode == 4)
            }
            #expect(try job.fileNames() == ["events-2024-03-01.ndjson"])
            #expect(try Self.uuids(job) == (0..<6).map(ImportRows.uuid))
            let manifest = try job.manifest()
            #expect(manifest["cursor"]?["uuid"] == .string(ImportRows.uuid(5)))
            #expect(manifest["files"]?.arrayValue?.first?["complete"] == false)

            server.setFailFrom(nil)
            job.configuration.since = nil
            let before = server.queries.count
            let second = try await job.run(transport: server.transport, clock: FakeClock())
            #expect(second.rows == 4)
            #expect(server.queries[before].after?.uuid == ImportRows.uuid(5))
            #expect(try job.fileNames() == ["events-2024-03-01.ndjson", "events-2024-03-01.part-2.ndjson"])
            #expect(try Self.uuids(job) == (0..<10).map(ImportRows.uuid))
        }
    }

    @Test("lookback reads the cursor's own instant: a late row there sorting before the cursor's uuid is found, one after it is written once")
    func lookbackCursorInstant() async throws {
        try await withTemporaryDirectory { (dir: TemporaryDirectory) async throws in
            let t = Self.t0 + Self.minutes(60)
            let server = FakeQueryServer(rows: [.init("u-b", Self.t0), .init("u-c", Self.t0 + Self.minutes(30)), .init("u-m", t)])
            var job = ExportTestJob(directory: dir)
            job.configuration.lookback = .seconds(3 * 3600)
            job.configuration.pageSize = 2
            #expect(try await job.run(transport: server.transport, clock: FakeClock()).rows == 3)
            #expect(try job.manifest()["cursor"]?["uuid"] == "u-m")

            server.add([.init("u-a", t), .init("u-z", t)])
            job.configuration.since = nil
            let second = try await job.run(transport: server.transport, clock: FakeClock())
            #expect(second.lookbackRows == 2)
            #expect(second.rows == 0)
            let uuids = try Self.uuids(job)
            #expect(uuids.count == 5)
            #expect(Set(uuids) == ["u-a", "u-b", "u-c", "u-m", "u-z"])

            let third = try await job.run(transport: server.transport, clock: FakeClock())
            #expect(third.lookbackRows == 0)
            #expect(third.rows == 0)
            #expect(try Self.uuids(job).count == 5)
        }
    }

    @Test("short pages are not the end: without hasMore the pass reads until an empty page; with hasMore it follows it", arguments: [false, true])
    func shortPages(hasMore: Bool) async throws {
        try await withTemporaryDirectory { (dir: TemporaryDirectory) async throws in
            let rows = (0..<10).map { FakeQueryServer.Row(ImportRows.uuid($0), Self.t0 + Int64($0) * 1_000_000) }
            let server = FakeQueryServer(rows: rows, cap: 3, sendsHasMore: hasMore)
            let job = ExportTestJob(directory: dir)
            #expect(try await job.run(transport: server.transport, clock: FakeClock()).rows == 10)
            #expect(try Self.uuids(job) == (0..<10).map(ImportRows.uuid))
            #expect(server.queries.count == (hasMore ? 4 : 5))
        }
    }

    @Test("a row whose properties are not a JSON object is written with the text under $hogport_raw_properties and counted")
    func rawProperties() async throws {
        try await withTemporaryDirectory { (dir: TemporaryDirectory) async throws in
            let body: JSONValue = [
                "results": [
                    [.string(ImportRows.uuid(1)), "e", "u", .int(Self.t0), "{\"ok\":1}"],
                    [.string(ImportRows.uuid(2)), "e", "u", .int(Self.t0 + 1), "{not json"],
                    [.string(ImportRows.uuid(3)), "e", "u", .int(Self.t0 + 2), 42],
                ],
                "columns": .array(ExportQuery.columns.map { .string($0) }), "hasMore": false,
            ]
            let transport = ScriptedTransport([.respond(status: 200, headers: [], body: JSONWriter.encode(body))])
            let job = ExportTestJob(directory: dir)
            let summary = try await job.run(transport: transport, clock: FakeClock())
            #expect(summary.rows == 3)
            #expect(summary.rawProperties == 2)
            #expect(summary.json["raw_properties"] == 2)
            let rows = try job.ndjsonRows()
            #expect(rows.map { $0["properties"] } == [["ok": 1], ["$hogport_raw_properties": "{not json"], ["$hogport_raw_properties": "42"]])
        }
    }

    @Test("query_status.error (a timeout, a memory limit) is exit 4 with a hint to lower --page-size")
    func queryStatusError() async throws {
        try await withTemporaryDirectory { (dir: TemporaryDirectory) async throws in
            let failed = #"{"query_status":{"id":"q1","complete":true,"error":true,"error_message":"Query exceeds memory limits"}}"#
            let job = ExportTestJob(directory: dir)
            do {
                _ = try await job.run(transport: ScriptedTransport([], then: .status(200, body: failed)), clock: FakeClock())
                Issue.record("expected an error")
            } catch let error as ExportError {
                #expect(error.exitCode == 4)
                #expect(error.message.contains("memory limits"))
                #expect(error.message.contains("--page-size"))
            }
        }
    }
}
