import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Synchronization
import Testing
import TestSupport

/// ImportPipeline in-process: against the sink over HTTP, or a ScriptedTransport for exact
/// server behaviour; sleeps never wait.
@Suite("ImportPipeline")
struct ImportPipelineTests {
    // MARK: Helpers

    /// Byte offset where each line (1-based) of `text` starts.
    static func lineOffsets(_ text: String) -> [Int: Int64] {
        var out: [Int: Int64] = [1: 0]
        var line = 1
        for (i, b) in text.utf8.enumerated() where b == UInt8(ascii: "\n") {
            line += 1
            out[line] = Int64(i + 1)
        }
        return out
    }

    /// The `n` property of every event a scripted transport saw acknowledged.
    static func deliveredNumbers(_ transport: ScriptedTransport) -> [Int] {
        transport.deliveredEvents.compactMap { $0["properties"]?["n"]?.intValue.map(Int.init) }
    }

    static func day(_ event: JSONValue) -> Int64? {
        event["timestamp"]?.stringValue.flatMap { Timestamp(iso8601: $0) }?.utcDay
    }

    // MARK: Whole imports against the sink

    @Test("NDJSON: every row arrives exactly once by uuid, with its original timestamp, marked historical")
    func ndjsonIntoSink() async throws {
        try await withTemporaryDirectory { dir in
            let count = 300
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: count, days: 3))
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    var job = ImportTestJob(directory: dir, inputs: [path], host: sink.url)
                    job.configuration.batchSize = 40
                    let summary = try await job.run(transport: transport)
                    #expect(summary.counts.rows == count)
                    #expect(summary.counts.sent == count)
                    #expect(summary.counts.rejected == 0)
                    #expect(summary.stopReason == nil)
                    #expect(summary.filesImported == 1)
                    #expect(summary.earliest == ImportRows.timestamp(0, count: count, days: 3))
                    #expect(summary.latest == ImportRows.timestamp(count - 1, count: count, days: 3))
                    #expect(summary.outOfOrder == 0)

                    let stored = try sink.storedEvents()
                    #expect(stored.count == count)
                    #expect(Set(stored.map(\.uuid)).count == count)
                    #expect(stored.sampleNumbers.sorted() == Array(0..<count))
                    for event in stored {
                        guard let n = event.properties["n"]?.intValue.map(Int.init) else { continue }
                        #expect(event.timestamp == ImportRows.timestamp(n, count: count, days: 3), "row \(n)")
                        if n % 3 != 0 { #expect(event.uuid == ImportRows.uuid(n), "row \(n)") }
                        #expect(event.historical)
                        #expect(event.distinctId == "user-\(n % 17)")
                    }
                    let progress = try job.progress()
                    #expect(progress.count == 1)
                    #expect(progress.first?.done == true)
                    #expect(progress.first?.counts.rows == count)
                    #expect(progress.first?.counts.sent == count)
                    #expect(progress.first?.line == count)
                    #expect(progress.first?.offset == (try FileIdentity.of(path)).size)
                    #expect(try job.status()?.status == "finished")
                    #expect(try job.rejects().isEmpty)
                }
            }
        }
    }

    @Test("CSV: every row arrives exactly once, with typed properties, multi-line fields and $set")
    func csvIntoSink() async throws {
        try await withTemporaryDirectory { dir in
            let count = 120
            let path = try dir.write("events.csv", ImportRows.sampleCSV(count: count, days: 2))
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    var job = ImportTestJob(directory: dir, inputs: [path], host: sink.url)
                    job.configuration.batchSize = 25
                    let summary = try await job.run(transport: transport)
                    #expect(summary.counts.sent == count)
                    #expect(summary.counts.rejected == 0)
                    let stored = try sink.storedEvents()
                    #expect(stored.count == count)
                    #expect(Set(stored.map(\.uuid)).count == count)
                    #expect(stored.sampleNumbers.sorted() == Array(0..<count))
                    for event in stored {
                        guard let n = event.properties["n"]?.intValue.map(Int.init) else { continue }
                        #expect(event.timestamp == ImportRows.timestamp(n, count: count, days: 2))
                        #expect(event.properties["note"] == (n % 4 == 0 ? "line one\nline \"two\"" : .string("plain \(n)")))
                        if n % 3 != 0 { #expect(event.uuid == ImportRows.uuid(n)) }
                        if n % 2 == 0 {
                            #expect(event.properties["$set"]?["email"] == .string("u\(n % 17)@example.com"))
                        } else {
                            #expect(event.properties["$set"] == nil)
                        }
                    }
                    #expect(try job.progress().first?.done == true)
                }
            }
        }
    }

    @Test("gzip input (named .gz or not) imports like plain text")
    func gzipInput() async throws {
        try await withTemporaryDirectory { dir in
            let text = ImportRows.sampleNDJSON(count: 50).map { $0 + "\n" }.joined()
            let a = try dir.write("a.ndjson.gz", try Gzip.compress(Array(text.utf8)))
            let b = try dir.write("b.ndjson", try Gzip.compress(Array(ImportRows.sampleNDJSON(count: 30, from: 50).map { $0 + "\n" }.joined().utf8)))
            let transport = ScriptedTransport()
            let job = ImportTestJob(directory: dir, inputs: [a, b])
            let summary = try await job.run(transport: transport)
            #expect(summary.counts.sent == 80)
            #expect(Self.deliveredNumbers(transport).sorted() == Array(0..<80))
            #expect(try job.progress().map(\.done) == [true, true])
        }
    }

    // MARK: Rejects

    @Test("malformed rows go to the rejects file with file, line, byte_offset, reason and raw; the run goes on")
    func rejectsFile() async throws {
        try await withTemporaryDirectory { dir in
            let ts = "2024-03-01T10:00:00Z"
            let lines = [
                ImportRows.ndjson(timestamp: ts, properties: ["n": 0]),
                "{bad json",
                "[1,2]",
                ImportRows.ndjson(timestamp: ts, properties: ["n": 1]),
                #"{"event":"x","timestamp":"2024-03-01T10:00:00Z"}"#,
                #"{"distinct_id":"u","timestamp":"2024-03-01T10:00:00Z"}"#,
                #"{"event":"x","distinct_id":"u","timestamp":"soon"}"#,
                #"{"event":"x","distinct_id":"u","timestamp":"2024-03-01T10:00:00Z","properties":[1]}"#,
                ImportRows.ndjson(timestamp: ts, properties: ["n": 2]),
                "",
                ImportRows.ndjson(timestamp: ts, properties: ["n": 3]) + "\r",
            ]
            let text = lines.map { $0 + "\n" }.joined()
            let path = try dir.write("mixed.ndjson", text)
            let offsets = Self.lineOffsets(text)
            let transport = ScriptedTransport()
            let job = ImportTestJob(directory: dir, inputs: [path])
            let summary = try await job.run(transport: transport)
            #expect(Self.deliveredNumbers(transport).sorted() == [0, 1, 2, 3])
            #expect(summary.counts.rejected == 6)
            #expect(summary.counts.rows == 10)
            #expect(summary.stopReason == nil)

            let rejects = try job.rejects()
            #expect(rejects.map { $0["line"]?.intValue } == [2, 3, 5, 6, 7, 8])
            let reasons = ["invalid JSON", "not an object", "missing distinct_id", "missing event name", "unparseable timestamp", "not an object"]
            for (reject, reason) in zip(rejects, reasons) {
                let line = Int(reject["line"]?.intValue ?? 0)
                #expect(reject["file"] == .string(path))
                #expect(reject["byte_offset"]?.intValue == offsets[line], "line \(line)")
                #expect(reject["raw"] == .string(lines[line - 1]), "line \(line)")
                #expect(reject["reason"]?.stringValue?.contains(reason) == true, "line \(line): \(reject["reason"] ?? .null)")
            }
            let progress = try #require(try job.progress().first)
            #expect(progress.done)
            #expect(progress.counts.rows == 10)
            #expect(progress.counts.sent == 4)
            #expect(progress.counts.rejected == 6)
        }
    }

    @Test("CSV rejects carry the physical line of the record (multi-line records counted)")
    func csvRejectLines() async throws {
        try await withTemporaryDirectory { dir in
            let text =
                "event,distinct_id,timestamp,note\nok,u,2024-03-01,\"a\nb\nc\"\nok,u,2024-03-01,x\nshort,row\n\"bad\"junk,u,2024-03-01,x\nok,u,2024-03-01,y\n"
            let path = try dir.write("r.csv", text)
            let transport = ScriptedTransport()
            let job = ImportTestJob(directory: dir, inputs: [path])
            _ = try await job.run(transport: transport)
            #expect(transport.deliveredEvents.count == 3)
            let rejects = try job.rejects()
            #expect(rejects.map { $0["line"]?.intValue } == [6, 7])
            #expect(rejects.first?["raw"] == "short,row")
            #expect(rejects.first?["byte_offset"]?.intValue == Self.lineOffsets(text)[6])
            #expect(rejects.last?["reason"]?.stringValue?.contains("malformed CSV") == true)
        }
    }

    @Test("strict stops at the first rejected row; a later non-strict run still delivers every valid row")
    func strictStops() async throws {
        try await withTemporaryDirectory { dir in
            let ts = "2024-03-01T10:00:00Z"
            let lines = [
                ImportRows.ndjson(timestamp: ts, properties: ["n": 0]), "{bad", ImportRows.ndjson(timestamp: ts, properties: ["n": 1]), "{bad2",
                ImportRows.ndjson(timestamp: ts, properties: ["n": 2]),
            ]
            let path = try writeLines(dir, "s.ndjson", lines)
            var job = ImportTestJob(directory: dir, inputs: [path])
            job.configuration.strict = true
            let first = ScriptedTransport()
            let summary = try await job.run(transport: first)
            #expect(summary.stopReason?.contains("strict") == true)
            #expect(try job.rejects().count == 1)
            #expect(try job.status()?.status == "failed")

            job.configuration.strict = false
            let second = ScriptedTransport()
            _ = try await job.run(transport: second)
            let delivered = Self.deliveredNumbers(first) + Self.deliveredNumbers(second)
            #expect(delivered.sorted() == [0, 1, 2], "row 0 sat in the open batch when --strict stopped; it must not be lost")
        }
    }

    @Test("max-rejects stops once more than N rows are rejected")
    func maxRejects() async throws {
        try await withTemporaryDirectory { dir in
            let lines = (0..<10).map { $0 % 2 == 0 ? "{bad \($0)" : ImportRows.ndjson(properties: ["n": .int(Int64($0))]) }
            let path = try writeLines(dir, "m.ndjson", lines)
            var job = ImportTestJob(directory: dir, inputs: [path])
            job.configuration.maxRejects = 2
            let summary = try await job.run(transport: ScriptedTransport())
            #expect(summary.stopReason?.contains("more than 2") == true)
            #expect(summary.counts.rejected == 3)
            #expect(try job.rejects().map { $0["line"]?.intValue } == [1, 3, 5])
        }
    }

    @Test("a 400 for one event: bisection puts that event in the rejects file; the rest are delivered once")
    func serverRejectsOneEvent() async throws {
        try await withTemporaryDirectory { dir in
            let lines = ImportRows.sampleNDJSON(count: 50)
            let text = lines.map { $0 + "\n" }.joined()
            let path = try dir.write("e.ndjson", text)
            let bad = ImportRows.uuid(17)
            let transport = ScriptedTransport { request in
                request.uuids.contains(bad) ? .status(400, body: "invalid event") : .ok
            }
            var job = ImportTestJob(directory: dir, inputs: [path])
            job.configuration.batchSize = 10
            let summary = try await job.run(transport: transport)
            #expect(summary.counts.sent == 49)
            #expect(summary.counts.rejected == 1)
            let delivered = transport.deliveredUUIDs
            #expect(delivered.count == 49)
            #expect(!delivered.contains(bad))
            #expect(Set(Self.deliveredNumbers(transport)) == Set(0..<50).subtracting([17]))
            let rejects = try job.rejects()
            #expect(rejects.count == 1)
            #expect(rejects.first?["file"] == .string(path))
            #expect(rejects.first?["line"] == 18)
            #expect(rejects.first?["byte_offset"]?.intValue == Self.lineOffsets(text)[18])
            #expect(rejects.first?["reason"]?.stringValue?.contains("400") == true)
            #expect(rejects.first?["raw"]?.stringValue?.contains(bad) == true)
            let progress = try #require(try job.progress().first)
            #expect(progress.counts.sent == 49)
            #expect(progress.counts.rejected == 1)
            #expect(progress.counts.rows == 50)
            #expect(progress.done)
        }
    }

    @Test("rows the server refuses count for --strict and --max-rejects too")
    func serverRejectsCountForStrict() async throws {
        do {
            try await withTemporaryDirectory { dir in
                let path = try writeLines(dir, "e.ndjson", ImportRows.sampleNDJSON(count: 40))
                let bad = ImportRows.uuid(5)
                let transport = ScriptedTransport { request in request.uuids.contains(bad) ? .status(400, body: "invalid") : .ok }
                var job = ImportTestJob(directory: dir, inputs: [path])
                job.configuration.batchSize = 10
                job.configuration.concurrency = 1
                job.configuration.maxRejects = 0
                let summary = try await job.run(transport: transport)
                #expect(summary.stopReason != nil)
            }
        }
    }

    // MARK: Resume

    @Test("a second run of a finished job sends nothing")
    func secondRunSendsNothing() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "e.ndjson", ImportRows.sampleNDJSON(count: 60))
            let job = ImportTestJob(directory: dir, inputs: [path])
            _ = try await job.run(transport: ScriptedTransport())
            let again = ScriptedTransport()
            let summary = try await job.run(transport: again)
            #expect(again.requestCount == 0)
            #expect(summary.filesSkippedAsDone == 1)
            #expect(summary.resumedRows == 60)
            #expect(summary.counts.rows == 0)
            #expect(try job.progress().first?.counts.sent == 60)
        }
    }

    @Test("a large file that grew continues where it stopped")
    func grownLargeFile() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "log.ndjson", ImportRows.sampleNDJSON(count: 1_000))
            #expect(try FileIdentity.of(path).size > 64 * 1024)
            let job = ImportTestJob(directory: dir, inputs: [path])
            _ = try await job.run(transport: ScriptedTransport())
            try appendText(path, ImportRows.sampleNDJSON(count: 40, from: 1_000).map { $0 + "\n" }.joined())
            let second = ScriptedTransport()
            let summary = try await job.run(transport: second)
            #expect(Self.deliveredNumbers(second).sorted() == Array(1_000..<1_040))
            #expect(summary.resumedRows == 1_000)
            let progress = try #require(try job.progress().first)
            #expect(progress.counts.rows == 1_040)
            #expect(progress.line == 1_040)
            #expect(progress.done)
        }
    }

    @Test("a small file (under 64 KiB) that grew continues where it stopped")
    func grownSmallFile() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "small.ndjson", ImportRows.sampleNDJSON(count: 10))
            let job = ImportTestJob(directory: dir, inputs: [path])
            _ = try await job.run(transport: ScriptedTransport())
            try appendText(path, ImportRows.sampleNDJSON(count: 5, from: 10).map { $0 + "\n" }.joined())
            let second = ScriptedTransport()
            do {
                _ = try await job.run(transport: second)
            } catch {
                Issue.record("an appended small file was refused: \(error)")
            }
            #expect(Self.deliveredNumbers(second).sorted() == Array(10..<15))
        }
    }

    @Test("an append-only log read while its last line was half written continues once the line is complete")
    func growingLogWithPartialLastLine() async throws {
        do {
            try await withTemporaryDirectory { dir in
                let complete = ImportRows.ndjson(properties: ["n": 2])
                let cut = complete.index(complete.startIndex, offsetBy: 30)
                let path = try dir.write("live.ndjson", ImportRows.sampleNDJSON(count: 2).map { $0 + "\n" }.joined() + complete[..<cut])
                let job = ImportTestJob(directory: dir, inputs: [path])
                let first = ScriptedTransport()
                _ = try await job.run(transport: first)
                // The writer finishes its line and goes on.
                try appendText(path, String(complete[cut...]) + "\n" + ImportRows.ndjson(properties: ["n": 3]) + "\n")
                let second = ScriptedTransport()
                do {
                    _ = try await job.run(transport: second)
                } catch {
                    Issue.record("the grown log was refused: \(error)")
                }
                #expect((Self.deliveredNumbers(first) + Self.deliveredNumbers(second)).sorted() == [0, 1, 2, 3])
            }
        }
    }

    @Test("a replaced file is an error unless restart")
    func replacedFile() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "e.ndjson", ImportRows.sampleNDJSON(count: 20))
            var job = ImportTestJob(directory: dir, inputs: [path])
            _ = try await job.run(transport: ScriptedTransport())
            try writeLines(dir, "e.ndjson", ImportRows.sampleNDJSON(count: 20, from: 100))
            let refused = ScriptedTransport()
            let error = await job.runExpectingError(transport: refused)
            #expect(error?.kind == .jobMismatch)
            #expect(error?.message.contains(path) == true)
            #expect(error?.message.contains("--restart") == true)
            #expect(refused.requestCount == 0)
            #expect(try job.progress().first?.counts.rows == 20)
            // The job's status tells `hogport status` what happened.
            let statusAfterError = try job.status()?.status
            #expect(statusAfterError == "failed")

            job.configuration.restart = true
            let restarted = ScriptedTransport()
            _ = try await job.run(transport: restarted)
            #expect(Self.deliveredNumbers(restarted).sorted() == Array(100..<120))
            #expect(try job.progress().first?.counts.rows == 20)
        }
    }

    @Test("a changed mapping (or format) under the same checkpoint is an error unless restart")
    func changedMapping() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "e.ndjson", ImportRows.sampleNDJSON(count: 20))
            var job = ImportTestJob(directory: dir, inputs: [path])
            _ = try await job.run(transport: ScriptedTransport())
            job.configuration.mapping.addProperties = ["source": "legacy"]
            let error = await job.runExpectingError(transport: ScriptedTransport())
            #expect(error?.kind == .jobMismatch)
            #expect(error?.message.contains("different mapping") == true)

            var formatChanged = ImportTestJob(directory: dir, inputs: [path])
            formatChanged.configuration.format = .ndjson
            #expect(await formatChanged.runExpectingError(transport: ScriptedTransport())?.kind == .jobMismatch)

            job.configuration.restart = true
            let restarted = ScriptedTransport()
            _ = try await job.run(transport: restarted)
            #expect(restarted.deliveredEvents.count == 20)
            #expect(restarted.deliveredEvents.allSatisfy { $0["properties"]?["source"] == "legacy" })
        }
    }

    @Test("limit stops after N rows; the next run continues; every row once overall")
    func limitThenContinue() async throws {
        try await withTemporaryDirectory { dir in
            let a = try writeLines(dir, "a.ndjson", ImportRows.sampleNDJSON(count: 30))
            let b = try writeLines(dir, "b.ndjson", ImportRows.sampleNDJSON(count: 30, from: 30))
            var job = ImportTestJob(directory: dir, inputs: [a, b])
            job.configuration.batchSize = 7
            job.configuration.limit = 45
            let first = ScriptedTransport()
            let summary = try await job.run(transport: first)
            #expect(summary.counts.rows == 45)
            #expect(Self.deliveredNumbers(first).sorted() == Array(0..<45))
            let progress = try job.progress()
            #expect(progress.map(\.done) == [true, false])
            #expect(progress.last?.line == 15)

            job.configuration.limit = nil
            let second = ScriptedTransport()
            _ = try await job.run(transport: second)
            #expect(Self.deliveredNumbers(second).sorted() == Array(45..<60))
            #expect(try job.progress().map(\.done) == [true, true])
        }
    }

    @Test("CSV resume keeps physical line numbers right after a multi-line record")
    func csvResumeLineNumbers() async throws {
        do {
            try await withTemporaryDirectory { dir in
                // Lines: 1 header, 2-4 a record with two newlines in quotes, 5 a good row, 6 a bad row.
                let text = "event,distinct_id,timestamp,note\nok,u,2024-03-01,\"a\nb\nc\"\nok,u,2024-03-01,x\nbad,row\n"
                let path = try dir.write("m.csv", text)
                var job = ImportTestJob(directory: dir, inputs: [path])
                job.configuration.limit = 1
                _ = try await job.run(transport: ScriptedTransport())
                job.configuration.limit = nil
                _ = try await job.run(transport: ScriptedTransport())
                #expect(try job.rejects().map { $0["line"]?.intValue } == [6])
            }
        }
    }

    // MARK: Dry run, batching, pacing

    @Test("dry run sends nothing and touches no checkpoint or rejects file")
    func dryRun() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "e.ndjson", ImportRows.sampleNDJSON(count: 25) + ["{bad"])
            var job = ImportTestJob(directory: dir, inputs: [path])
            job.configuration.dryRun = true
            let transport = ScriptedTransport()
            let summary = try await job.run(transport: transport)
            #expect(transport.requestCount == 0)
            #expect(summary.dryRun)
            #expect(summary.counts.rows == 26)
            #expect(summary.counts.sent == 25)
            #expect(summary.counts.rejected == 1)
            #expect(summary.preview.count == 10)
            #expect(!FileManager.default.fileExists(atPath: job.configuration.checkpointPath))
            #expect(!FileManager.default.fileExists(atPath: job.configuration.rejectsPath))
        }
    }

    @Test("batches never span two UTC days, and hold at most batchSize events")
    func batchesByDayAndFile() async throws {
        try await withTemporaryDirectory { dir in
            let a = try writeLines(dir, "a.ndjson", ImportRows.sampleNDJSON(count: 90, days: 3))
            let b = try writeLines(dir, "b.ndjson", ImportRows.sampleNDJSON(count: 5, from: 90))
            let transport = ScriptedTransport()
            var job = ImportTestJob(directory: dir, inputs: [a, b])
            job.configuration.batchSize = 20
            _ = try await job.run(transport: transport)
            let requests = transport.requests
            #expect(requests.allSatisfy { $0.json?["historical_migration"] == true })
            for request in requests {
                #expect(request.batch.count <= 20)
                #expect(Set(request.batch.compactMap(Self.day)).count == 1, "request \(request.index) spans days")
            }
            // Day 1 has 30 rows (20 + 10), and so do days 2 and 3; the second file's 5 rows are
            // on day 1 too and join its open batch (a batch may hold rows of two files).
            #expect(requests.map(\.batch.count).sorted() == [10, 10, 15, 20, 20, 20])
            #expect(Self.deliveredNumbers(transport).sorted() == Array(0..<95))
        }
    }

    @Test("the rate limit paces batches through the sleep closure; rate 0 never waits")
    func rateLimit() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "e.ndjson", ImportRows.sampleNDJSON(count: 500))
            var job = ImportTestJob(directory: dir, inputs: [path])
            job.configuration.batchSize = 50
            job.configuration.rate = 100
            let recorder = SleepRecorder()
            let clock = ContinuousClock()
            let started = clock.now
            _ = try await job.run(transport: ScriptedTransport(), sleep: recorder.sleep)
            let elapsed = clock.now - started
            let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            // 100 tokens at once, then 100/s: the tenth batch of 50 may go 4 s after the start.
            // The sleeps return at once, so each wait also includes the earlier ones, less the
            // real time that passed (a loaded machine).
            let waits = recorder.durations.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
            // On a machine loaded enough that the run itself took 4 s, the bucket never ran dry.
            #expect(waits.count <= 8, "\(waits)")
            #expect(elapsedSeconds >= 3.9 || !waits.isEmpty, "no wait in \(elapsedSeconds) s")
            let longest = waits.max() ?? 0
            #expect(longest >= 4.0 - elapsedSeconds - 0.01 && longest <= 4.0, "\(waits) in \(elapsedSeconds) s")

            var unlimited = ImportTestJob(directory: dir, inputs: [path])
            unlimited.configuration.checkpointPath = dir.file("other.db")
            unlimited.configuration.batchSize = 50
            let none = SleepRecorder()
            _ = try await unlimited.run(transport: ScriptedTransport(), sleep: none.sleep)
            #expect(none.durations.isEmpty)
        }
    }

    @Test("dropped events are skipped (counted, not rejected)")
    func droppedEvents() async throws {
        try await withTemporaryDirectory { dir in
            let lines = ImportRows.sampleNDJSON(count: 6) + [ImportRows.ndjson(event: "heartbeat"), ImportRows.ndjson(event: "heartbeat")]
            let path = try writeLines(dir, "e.ndjson", lines)
            var job = ImportTestJob(directory: dir, inputs: [path])
            job.configuration.mapping.dropEvents = ["heartbeat"]
            let transport = ScriptedTransport()
            let summary = try await job.run(transport: transport)
            #expect(summary.counts.skipped == 2)
            #expect(summary.counts.rejected == 0)
            #expect(transport.deliveredEvents.count == 6)
            #expect(try job.rejects().isEmpty)
            #expect(try job.progress().first?.counts.skipped == 2)
            #expect(try job.progress().first?.counts.rows == 8)
        }
    }

    @Test("rows older than the row before them are counted")
    func outOfOrder() async throws {
        try await withTemporaryDirectory { dir in
            let lines = ["2024-03-01T10:00:00Z", "2024-03-01T09:00:00Z", "2024-03-01T11:00:00Z", "2024-03-01T08:00:00Z"].map {
                ImportRows.ndjson(timestamp: $0)
            }
            let path = try writeLines(dir, "e.ndjson", lines)
            let summary = try await ImportTestJob(directory: dir, inputs: [path]).run(transport: ScriptedTransport())
            #expect(summary.outOfOrder == 2)
        }
    }

    // MARK: Failures

    @Test("sink faults (503/429 with Retry-After, dropped connections): everything delivered exactly once by uuid")
    func sinkFaults() async throws {
        try await withTemporaryDirectory { dir in
            let count = 400
            let path = try writeLines(dir, "e.ndjson", ImportRows.sampleNDJSON(count: count, days: 2))
            try await withSink(configure: { config in
                config.faults.failRate = 0.3
                config.faults.failCodes = [503, 429]
                config.faults.retryAfter = 1
                config.faults.dropRate = 0.1
            }) { sink in
                try await withHTTPTransport { transport in
                    var job = ImportTestJob(directory: dir, inputs: [path], host: sink.url)
                    job.configuration.batchSize = 20
                    job.configuration.retryPolicy = RetryPolicy(maxRetries: 40, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
                    let summary = try await job.run(transport: transport)
                    #expect(summary.counts.sent == count)
                    #expect(summary.retries > 0)
                    let stored = try sink.storedEvents()
                    #expect(Set(stored.map(\.uuid)).count == count)
                    #expect(stored.count == count)
                    #expect(stored.sampleNumbers.sorted() == Array(0..<count))
                    #expect(try job.progress().first?.done == true)
                }
            }
        }
    }

    @Test("a wrong API key stops the import with an authentication error; the checkpoint stays where it was")
    func wrongKey() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "e.ndjson", ImportRows.sampleNDJSON(count: 100))
            try await withSink(apiKey: "phc_right") { sink in
                try await withHTTPTransport { transport in
                    var job = ImportTestJob(directory: dir, inputs: [path], host: sink.url, apiKey: "phc_right")
                    job.configuration.batchSize = 10
                    job.configuration.limit = 30
                    _ = try await job.run(transport: transport)
                    let before = try job.progress()
                    #expect(before.first?.line == 30)

                    // The same checkpoint with another key: another project, refused before sending.
                    job.configuration.apiKey = "phc_wrong"
                    job.configuration.limit = nil
                    #expect(await job.runExpectingError(transport: transport)?.kind == .jobMismatch)
                    #expect(try job.progress() == before)
                    // A new checkpoint: the server refuses the key.
                    job.configuration.checkpointPath = dir.file("other.db")
                    let error = await job.runExpectingError(transport: transport)
                    #expect(error?.kind == .authentication)
                    #expect(error?.exitCode == 3)
                    let store = try CheckpointStore(path: dir.file("other.db"))
                    #expect(try store.allProgress().allSatisfy { $0.line == 0 })
                    #expect(try store.status()?.status == "failed")
                    #expect(try store.status()?.lastError?.isEmpty == false)
                    #expect(try sink.storedEvents().count == 30)
                }
            }
        }
    }

    @Test("rows rejected while a batch is still open are not committed ahead of it (a failed send loses nothing)")
    func rejectDoesNotCommitPastOpenBatch() async throws {
        try await withTemporaryDirectory { dir in
            let lines = [
                ImportRows.ndjson(properties: ["n": 0]), "{bad json", ImportRows.ndjson(properties: ["n": 1]),
                ImportRows.ndjson(event: "heartbeat", properties: ["n": 99]), ImportRows.ndjson(properties: ["n": 2]),
            ]
            let path = try writeLines(dir, "e.ndjson", lines)
            var job = ImportTestJob(directory: dir, inputs: [path])
            job.configuration.mapping.dropEvents = ["heartbeat"]
            let refused = ScriptedTransport([], then: .status(401))
            #expect(await job.runExpectingError(transport: refused)?.kind == .authentication)
            // Nothing was acknowledged, so nothing may be committed.
            #expect((try job.progress().first?.offset ?? 0) == 0)

            let ok = ScriptedTransport()
            _ = try await job.run(transport: ok)
            #expect(Self.deliveredNumbers(ok).sorted() == [0, 1, 2])
        }
    }

    @Test("rows rejected between batches of two days commit with the batch before them, never ahead of a refused one")
    func rejectsAcrossDayBatches() async throws {
        try await withTemporaryDirectory { dir in
            let lines = [
                ImportRows.ndjson(timestamp: "2024-03-01T10:00:00Z", properties: ["n": 0]), "{bad 1",
                ImportRows.ndjson(timestamp: "2024-03-02T10:00:00Z", properties: ["n": 1]), "{bad 2",
                ImportRows.ndjson(timestamp: "2024-03-02T11:00:00Z", properties: ["n": 2]),
            ]
            let text = lines.map { $0 + "\n" }.joined()
            let path = try dir.write("e.ndjson", text)
            var job = ImportTestJob(directory: dir, inputs: [path])
            job.configuration.concurrency = 1
            // The first batch (day 1) is accepted, the second (day 2) refused.
            let first = ScriptedTransport([.ok], then: .status(401))
            #expect(await job.runExpectingError(transport: first)?.kind == .authentication)
            let progress = try #require(try job.progress().first)
            #expect(progress.offset <= (Self.lineOffsets(text)[3] ?? 0), "committed past the refused day-2 batch")
            #expect(progress.counts.sent + progress.counts.rejected == progress.counts.rows)

            let second = ScriptedTransport()
            _ = try await job.run(transport: second)
            #expect(Set(Self.deliveredNumbers(first) + Self.deliveredNumbers(second)) == [0, 1, 2])
            let final = try #require(try job.progress().first)
            #expect(final.done)
            #expect(final.counts.rows == 5)
            #expect(final.counts.rejected == 2)
            #expect(final.counts.sent == 3)
        }
    }

    @Test("a server that keeps failing stops with serverFailing; the same job resumes later")
    func serverKeepsFailing() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "e.ndjson", ImportRows.sampleNDJSON(count: 30))
            var job = ImportTestJob(directory: dir, inputs: [path])
            job.configuration.retryPolicy = RetryPolicy(maxRetries: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1))
            let failing = ScriptedTransport([], then: .status(503))
            let error = await job.runExpectingError(transport: failing)
            #expect(error?.kind == .serverFailing)
            #expect(error?.exitCode == 4)
            let ok = ScriptedTransport()
            _ = try await job.run(transport: ok)
            #expect(Self.deliveredNumbers(ok).sorted() == Array(0..<30))
        }
    }

    @Test("a missing or truncated input file is unreadableInput naming the file")
    func unreadableInput() async throws {
        try await withTemporaryDirectory { dir in
            let missing = dir.file("missing.ndjson")
            let error = await ImportTestJob(directory: dir, inputs: [missing]).runExpectingError(transport: ScriptedTransport())
            #expect(error?.kind == .unreadableInput)
            #expect(error?.exitCode == 5)
            #expect(error?.message.contains(missing) == true)

            let text = ImportRows.sampleNDJSON(count: 2_000).map { $0 + "\n" }.joined()
            let gz = try Gzip.compress(Array(text.utf8))
            let cut = try dir.write("cut.ndjson.gz", Array(gz.prefix(gz.count / 2)))
            var job = ImportTestJob(directory: dir, inputs: [cut])
            job.configuration.checkpointPath = dir.file("cut.db")
            let truncated = await job.runExpectingError(transport: ScriptedTransport())
            #expect(truncated?.kind == .unreadableInput)
            #expect(truncated?.message.contains(cut) == true)
            #expect(truncated?.message.contains("truncated") == true)
        }
    }

    @Test("requestStop: reading stops, batches in flight finish and are committed; the next run sends the rest")
    func gracefulStop() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "e.ndjson", ImportRows.sampleNDJSON(count: 100))
            var job = ImportTestJob(directory: dir, inputs: [path])
            job.configuration.batchSize = 10
            job.configuration.concurrency = 1
            let gate = AsyncGate()
            let transport = ScriptedTransport(stuckUntil: gate)
            let pipeline = ImportPipeline(configuration: job.configuration, transport: transport, sleep: importNoSleep)
            let run = Task { () async -> ImportError? in
                do {
                    _ = try await pipeline.run()
                    return nil
                } catch let error as ImportError {
                    return error
                } catch {
                    return nil
                }
            }
            // Generous: the parallel test suite can keep both cores busy for a while.
            #expect(await eventually(timeout: .seconds(60)) { transport.requestCount >= 1 })
            pipeline.requestStop()
            gate.open()
            let error = await run.value
            #expect(error?.kind == .interrupted)
            let delivered = Self.deliveredNumbers(transport)
            #expect(delivered.count >= 10 && delivered.count < 100)
            let progress = try #require(try job.progress().first)
            #expect(progress.counts.sent == delivered.count)
            #expect(progress.line == delivered.count)
            #expect(try job.status()?.status == "interrupted")

            let rest = ScriptedTransport()
            _ = try await job.run(transport: rest)
            #expect((delivered + Self.deliveredNumbers(rest)).sorted() == Array(0..<100))
        }
    }
}
