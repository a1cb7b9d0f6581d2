import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// `hogport import` and `hogport status` as real processes: kill -9 and resume, SIGINT, a faulty
/// sink, exit codes.
@Suite("Import CLI (real processes)")
struct ImportCLITests {
    static let key = "phc_cli_import_key"

    static func environment(key: String = ImportCLITests.key) -> [String: String] {
        FlagCLIProcess.environment(["POSTHOG_API_KEY": key])
    }

    /// `import <path> --host … --checkpoint … --rejects …` plus `extra`.
    static func importArguments(_ inputs: [String], host: String, dir: TemporaryDirectory, _ extra: [String] = []) -> [String] {
        ["import"] + inputs + [
            "--host", host, "--checkpoint", dir.file("job.db"), "--rejects", dir.file("job.rejects.ndjson"), "--rate", "0", "--progress", "never",
        ] + extra
    }

    /// Polls the in-process sink until it stored `atLeast` events (or the child ended); returns the count seen.
    static func waitForStored(_ sink: SinkServer, atLeast: Int, while child: FlagCLIProcess) async -> Int {
        var seen = 0
        _ = await eventually(timeout: .seconds(60), interval: .milliseconds(10)) {
            seen = (try? sink.router.store.counts().events) ?? seen
            return seen >= atLeast || child.exitStatus != nil
        }
        return seen
    }

    @Test("kill -9 mid-run, then the same command: every row delivered, once per uuid; status shows done")
    func sigkillThenResume() async throws {
        try await withTemporaryDirectory { dir in
            let count = 3_000
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: count, days: 2))
            // An in-process sink (it cannot outlive the test runner), slowed down like `--latency-ms 25`.
            try await withSink(apiKey: Self.key, configure: { $0.faults.latencyMilliseconds = 25 }) { sink in
                // --rate keeps the run several seconds long, so the kill lands mid-run even on a
                // loaded machine.
                let arguments = Self.importArguments([path], host: sink.url, dir: dir, ["--batch-size", "50", "--concurrency", "2", "--rate", "500"])
                let child = try FlagCLIProcess(arguments, environment: Self.environment())
                let atKill = await Self.waitForStored(sink, atLeast: 600, while: child)
                child.signal(SIGKILL)
                _ = await child.waitForExit(timeout: .seconds(10))
                #expect(atKill >= 600)
                #expect(atKill < count, "the import finished before it could be killed")

                // What the checkpoint committed is in the sink already.
                let committedLines = try CheckpointStore(path: dir.file("job.db")).allProgress().first?.line ?? 0
                let midway = Set(try sink.storedEvents().sampleNumbers)
                #expect((0..<committedLines).allSatisfy { midway.contains($0) }, "committed through line \(committedLines)")

                let again = try await FlagCLIProcess.run(arguments, environment: Self.environment(), timeout: .seconds(60))
                #expect(again.status == 0, "\(again.stderr)")

                let status = try await FlagCLIProcess.run(["status", "--checkpoint", dir.file("job.db")], environment: Self.environment())
                #expect(status.status == 0)
                #expect(status.stdout.contains("\(path): done"), "\(status.stdout)")
                #expect(status.stdout.contains("rows \(count), sent \(count), rejected 0"), "\(status.stdout)")

                let stored = try sink.storedEvents()
                #expect(Set(stored.map(\.uuid)).count == count)
                #expect(Set(stored.sampleNumbers) == Set(0..<count))
                // One uuid per row: no row went out under two ids.
                var uuidsByRow: [Int: Set<String>] = [:]
                for event in stored { if let n = event.properties["n"]?.intValue { uuidsByRow[Int(n), default: []].insert(event.uuid) } }
                #expect(uuidsByRow.values.allSatisfy { $0.count == 1 })
            }
        }
    }

    @Test("SIGINT: exit 130; every row the checkpoint committed is in the sink; the rerun completes")
    func sigintStopsGracefully() async throws {
        try await withTemporaryDirectory { dir in
            let count = 3_000
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: count))
            try await withSink(apiKey: Self.key, configure: { $0.faults.latencyMilliseconds = 25 }) { sink in
                // --rate keeps the run several seconds long, so the signal lands mid-run even on a
                // loaded machine.
                let arguments = Self.importArguments([path], host: sink.url, dir: dir, ["--batch-size", "50", "--concurrency", "2", "--rate", "500"])
                let child = try FlagCLIProcess(arguments, environment: Self.environment())
                let seen = await Self.waitForStored(sink, atLeast: 400, while: child)
                #expect(seen < count, "the import finished before the signal")
                child.signal(SIGINT)
                let status = await child.waitForExit(timeout: .seconds(20))
                #expect(status == 130, "\(child.stderr)")
                #expect(child.stderr.contains("resume"))

                let store = try CheckpointStore(path: dir.file("job.db"))
                #expect(try store.status()?.status == "interrupted")
                let progress = try #require(try store.allProgress().first)
                #expect(progress.line > 0)
                #expect(!progress.done)
                #expect(progress.counts.sent == progress.line)
                let midway = Set(try sink.storedEvents().sampleNumbers)
                #expect((0..<progress.line).allSatisfy { midway.contains($0) }, "committed through line \(progress.line)")

                let again = try await FlagCLIProcess.run(arguments, environment: Self.environment(), timeout: .seconds(60))
                #expect(again.status == 0, "\(again.stderr)")
                let stored = try sink.storedEvents()
                #expect(Set(stored.sampleNumbers) == Set(0..<count))
                #expect(Set(stored.map(\.uuid)).count == count)
            }
        }
    }

    @Test("a sink failing 30 % of requests (503/429) and dropping 10 %: exit 0 and every row delivered")
    func faultySink() async throws {
        try await withTemporaryDirectory { dir in
            let count = 120
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: count))
            // The sink's `--fail-rate 0.3 --drop-rate 0.1 --fail-codes 503,429 --seed 35`. Seed 35 never
            // fails two requests in a row, which keeps the child's real backoff short (the default
            // seed starts with long failure runs: ~35 s for this file).
            try await withSink(
                apiKey: Self.key,
                configure: { config in
                    config.faults.failRate = 0.3
                    config.faults.dropRate = 0.1
                    config.faults.failCodes = [503, 429]
                    config.faults.seed = 35
                }
            ) { sink in
                let result = try await FlagCLIProcess.run(
                    Self.importArguments([path], host: sink.url, dir: dir, ["--batch-size", "15", "--summary-json", dir.file("summary.json")]),
                    environment: Self.environment(), timeout: .seconds(90))
                #expect(result.status == 0, "\(result.stderr)")
                let stats = sink.router.statistics
                #expect(stats.dropped >= 1, "\(stats)")
                #expect(stats.injectedFailures >= 1, "\(stats)")
                let stored = try sink.storedEvents()
                #expect(Set(stored.map(\.uuid)).count == count)
                #expect(Set(stored.sampleNumbers) == Set(0..<count))
                let summary = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("summary.json")))))
                #expect(summary["sent"] == .int(Int64(count)))
                #expect(summary["rejected"] == 0)
                #expect((summary["retries"]?.intValue ?? 0) >= 2)
            }
        }
    }

    @Test("a wrong key: exit 2 on the job's checkpoint (another project), exit 3 on a new one; no key in the output")
    func wrongKey() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: 80))
            try await withSink(apiKey: "phc_right_key_123") { sink in
                let first = try await FlagCLIProcess.run(
                    Self.importArguments([path], host: sink.url, dir: dir, ["--limit", "20", "--batch-size", "10"]),
                    environment: Self.environment(key: "phc_right_key_123"))
                #expect(first.status == 0, "\(first.stderr)")
                let before = try CheckpointStore(path: dir.file("job.db")).allProgress()
                #expect(before.first?.line == 20)

                let other = try await FlagCLIProcess.run(
                    Self.importArguments([path], host: sink.url, dir: dir, ["--batch-size", "10"]), environment: Self.environment(key: "phc_wrong_key_456"))
                #expect(other.status == 2, "\(other.stderr)")
                #expect(other.stderr.contains("another project key"), "\(other.stderr)")
                #expect(!other.output.contains("phc_wrong_key_456"))
                let wrong = try await FlagCLIProcess.run(
                    ["import", path, "--host", sink.url, "--checkpoint", dir.file("new.db"), "--rate", "0", "--progress", "never", "--batch-size", "10"],
                    environment: Self.environment(key: "phc_wrong_key_456"))
                #expect(wrong.status == 3, "\(wrong.stderr)")
                #expect(!wrong.output.contains("phc_wrong_key_456"))
                #expect(!first.output.contains("phc_right_key_123"))
                #expect(try CheckpointStore(path: dir.file("job.db")).allProgress() == before)
                #expect(try sink.storedEvents().count == 20)
            }
        }
    }

    @Test("unreadable input exits 5: a missing file, a truncated gzip file")
    func unreadableInput() async throws {
        try await withTemporaryDirectory { dir in
            let missing = try await FlagCLIProcess.run(
                Self.importArguments([dir.file("missing.ndjson")], host: "http://127.0.0.1:9", dir: dir), environment: Self.environment())
            #expect(missing.status == 5, "\(missing.stderr)")
            #expect(missing.stderr.contains("missing.ndjson"))

            let gz = try Gzip.compress(Array(ImportRows.sampleNDJSON(count: 500).map { $0 + "\n" }.joined().utf8))
            let cut = try dir.write("cut.ndjson.gz", Array(gz.prefix(gz.count - 30)))
            let other = try TemporaryDirectory()
            defer { other.remove() }
            try await withSink(apiKey: Self.key) { sink in
                let truncated = try await FlagCLIProcess.run(
                    Self.importArguments([cut], host: sink.url, dir: other), environment: Self.environment())
                #expect(truncated.status == 5, "\(truncated.stderr)")
                #expect(truncated.stderr.contains("cut.ndjson.gz"))
            }
        }
    }

    @Test(
        "usage errors exit 2: a bad --shard, a bad --batch-size, an unknown preset",
        arguments: [
            ["--shard", "3/2"], ["--shard", "x"], ["--shard", "1/0"], ["--batch-size", "0"], ["--preset", "ga3"], ["--concurrency", "0"],
        ])
    func usageErrors(extra: [String]) async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: 3))
            let result = try await FlagCLIProcess.run(
                Self.importArguments([path], host: "http://127.0.0.1:9", dir: dir, extra), environment: Self.environment())
            #expect(result.status == 2, "\(extra): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.file("job.db")))
        }
    }

    @Test("rejected rows: exit 1 and the rejects file; status prints per-file progress (text and JSON)")
    func rejectsAndStatus() async throws {
        try await withTemporaryDirectory { dir in
            let a = try writeLines(dir, "a.ndjson", ImportRows.sampleNDJSON(count: 10) + ["{broken"])
            let b = try writeLines(dir, "b.ndjson", ImportRows.sampleNDJSON(count: 30, from: 10))
            try await withSink(apiKey: Self.key) { sink in
                let result = try await FlagCLIProcess.run(
                    Self.importArguments([a, b], host: sink.url, dir: dir, ["--limit", "25", "--batch-size", "5"]), environment: Self.environment())
                #expect(result.status == 1, "\(result.stderr)")
                let rejects = try String(contentsOfFile: dir.file("job.rejects.ndjson"), encoding: .utf8)
                #expect(rejects.contains("\"line\":11"))
                #expect(rejects.contains("{broken"))

                let status = try await FlagCLIProcess.run(["status", "--checkpoint", dir.file("job.db")], environment: Self.environment())
                #expect(status.status == 0)
                #expect(status.stdout.contains("\(a): done; rows 11, sent 10, rejected 1"), "\(status.stdout)")
                #expect(status.stdout.contains("\(b): committed through line 14"), "\(status.stdout)")

                let json = try await FlagCLIProcess.run(["status", "--checkpoint", dir.file("job.db"), "--json"], environment: Self.environment())
                let parsed = try JSONParser.parse(json.stdout)
                let files = parsed["files"]?.arrayValue ?? []
                #expect(files.map { $0["path"]?.stringValue } == [a, b])
                #expect(files.map { $0["done"] } == [true, false])
                #expect(files.last?["line"] == 14)
                #expect(parsed["rows"] == 25)

                let none = try await FlagCLIProcess.run(["status", "--checkpoint", dir.file("nope.db")], environment: Self.environment())
                #expect(none.status == 2)
            }
        }
    }

    @Test("standard input (gzip, -): imported from its start on every run without double counting by uuid")
    func standardInput() async throws {
        try await withTemporaryDirectory { dir in
            let count = 40
            let gz = try dir.write("stdin.gz", try Gzip.compress(Array(ImportRows.sampleNDJSON(count: count).map { $0 + "\n" }.joined().utf8)))
            try await withSink(apiKey: Self.key) { sink in
                for _ in 0..<2 {
                    let result = try await FlagCLIProcess.run(
                        Self.importArguments(["-"], host: sink.url, dir: dir, ["--format", "ndjson"]), environment: Self.environment(), stdin: gz)
                    #expect(result.status == 0, "\(result.stderr)")
                }
                let stored = try sink.storedEvents()
                #expect(stored.count == 2 * count)
                #expect(Set(stored.map(\.uuid)).count == count)
                #expect(Set(stored.sampleNumbers) == Set(0..<count))
            }
        }
    }

    @Test("--dry-run needs no host, sends nothing, writes no checkpoint")
    func dryRun() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: 12))
            let result = try await FlagCLIProcess.run(
                ["import", path, "--dry-run", "--checkpoint", dir.file("job.db"), "--progress", "never", "--summary-json", dir.file("s.json")],
                environment: FlagCLIProcess.environment())
            #expect(result.status == 0, "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.file("job.db")))
            let summary = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("s.json")))))
            #expect(summary["dry_run"] == true)
            #expect(summary["rows"] == 12)
        }
    }
}
