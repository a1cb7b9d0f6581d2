import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// The guard rails as a user meets them: real `hogport import` processes against the sink.
@Suite("Import guard rails (real processes)")
struct ImportGuardRailCLITests {
    static let key = ImportCLITests.key
    static var environment: [String: String] { ImportCLITests.environment() }

    @Test("no host: the summary says loudly that events went to the local sink; then PostHog's host is a new job that sends everything")
    func localSinkThenRealHost() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: 30))
            let local = try await FlagCLIProcess.run(["import", path, "--progress", "never"], environment: Self.environment, currentDirectory: dir.path)
            #expect(local.status == 0, "\(local.stderr)")
            #expect(local.stdout.contains("LOCAL SINK"), "\(local.stdout)")
            try await withSink(apiKey: Self.key) { sink in
                let real = try await FlagCLIProcess.run(
                    ["import", path, "--host", sink.url, "--rate", "0", "--progress", "never"], environment: Self.environment, currentDirectory: dir.path)
                #expect(real.status == 0, "\(real.stderr)")
                #expect(!real.stdout.contains("LOCAL SINK"))
                #expect(Set(try sink.storedEvents().sampleNumbers) == Set(0..<30), "the default checkpoint is per destination")
            }
        }
    }

    @Test("the same checkpoint against another host: exit 2 naming both hosts, nothing sent")
    func otherDestination() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: 20))
            try await withSink(apiKey: Self.key) { first in
                try await withSink(apiKey: Self.key) { second in
                    let one = try await FlagCLIProcess.run(ImportCLITests.importArguments([path], host: first.url, dir: dir), environment: Self.environment)
                    #expect(one.status == 0, "\(one.stderr)")
                    let two = try await FlagCLIProcess.run(ImportCLITests.importArguments([path], host: second.url, dir: dir), environment: Self.environment)
                    #expect(two.status == 2, "\(two.stderr)")
                    #expect(two.stderr.contains(first.url.lowercased()) && two.stderr.contains(second.url.lowercased()), "\(two.stderr)")
                    #expect(!two.stderr.contains("USAGE"), "a job conflict is not a usage mistake")
                    #expect(try second.storedEvents().isEmpty)
                }
            }
        }
    }

    @Test("a second run while the first is going exits 2 at once, naming the checkpoint and the first's pid")
    func overlappingRuns() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: 2_000))
            try await withSink(apiKey: Self.key, configure: { $0.faults.latencyMilliseconds = 25 }) { sink in
                let arguments = ImportCLITests.importArguments([path], host: sink.url, dir: dir, ["--batch-size", "50", "--concurrency", "1", "--rate", "400"])
                let first = try FlagCLIProcess(arguments, environment: Self.environment)
                _ = await ImportCLITests.waitForStored(sink, atLeast: 100, while: first)
                let started = ContinuousClock.now
                let second = try await FlagCLIProcess.run(arguments, environment: Self.environment, timeout: .seconds(20))
                #expect(second.status == 2, "\(second.stderr)")
                #expect(ContinuousClock.now - started < .seconds(10))
                #expect(second.stderr.contains(dir.file("job.db")), "\(second.stderr)")
                #expect(second.stderr.contains("process "), "\(second.stderr)")
                #expect(await first.waitForExit(timeout: .seconds(60)) == 0, "\(first.stderr)")
                let stored = try sink.storedEvents()
                #expect(stored.count == 2_000, "nothing sent twice")
                #expect(Set(stored.map(\.uuid)).count == 2_000)
            }
        }
    }

    @Test("a damaged gzip file: exit 5, its name and byte offset on stderr, the summary printed, the good file sent")
    func damagedInput() async throws {
        try await withTemporaryDirectory { dir in
            let good = try writeLines(dir, "good.ndjson", ImportRows.sampleNDJSON(count: 20))
            var compressed = try Gzip.compress(Array((ImportRows.sampleNDJSON(count: 300, from: 500).joined(separator: "\n") + "\n").utf8))
            compressed[compressed.count / 2] ^= 0x55
            let bad = try dir.write("bad.ndjson.gz", compressed)
            try await withSink(apiKey: Self.key) { sink in
                let result = try await FlagCLIProcess.run(ImportCLITests.importArguments([bad, good], host: sink.url, dir: dir), environment: Self.environment)
                #expect(result.status == 5, "\(result.stderr)")
                #expect(result.stderr.contains("bad.ndjson.gz") && result.stderr.contains("at byte"), "\(result.stderr)")
                #expect(result.stdout.contains("damaged:"), "\(result.stdout)")
                #expect(Set(try sink.storedEvents().sampleNumbers) == Set(0..<20))
            }
        }
    }

    @Test("a refused port: the failure is logged from the first retry, and Ctrl-C during backoff stops within seconds with exit 130")
    func deadServerIsVisible() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: 50))
            // Port 9 (discard) on loopback: nothing listens, connections are refused.
            let arguments = ImportCLITests.importArguments([path], host: "http://127.0.0.1:9", dir: dir, ["--log-format", "json"])
            let child = try FlagCLIProcess(arguments, environment: Self.environment)
            let logged = await eventually(timeout: .seconds(20), interval: .milliseconds(100)) { child.stderr.contains("no answer") }
            #expect(logged, "\(child.stderr)")
            #expect(child.stderr.contains("127.0.0.1:9"))
            let signalled = ContinuousClock.now
            child.signal(SIGINT)
            let status = await child.waitForExit(timeout: .seconds(15))
            #expect(status == 130, "\(child.stderr)")
            #expect(ContinuousClock.now - signalled < .seconds(5), "stopped during backoff")
            #expect(child.stdout.contains(#""stopped":"stopped on request"#), "the summary is printed: \(child.stdout)")
            #expect(child.stdout.contains(#""sent":0"#))
            let progress = try CheckpointStore(path: dir.file("job.db")).allProgress().first
            #expect((progress?.counts.sent ?? 0) == 0, "nothing counted as sent")
        }
    }

    @Test("input shuffled over 30 days, mapped by 2 workers: kill -9 mid-run, then the same command: every row, one uuid each")
    func shuffledKillResume() async throws {
        try await withTemporaryDirectory { dir in
            let count = 12_000
            var lines = ImportRows.sampleNDJSON(count: count, days: 30)
            var rng = SplitMix64(seed: 11)
            lines.shuffle(using: &rng)
            let path = try writeLines(dir, "shuffled.ndjson", lines)
            try await withSink(apiKey: Self.key, configure: { $0.faults.latencyMilliseconds = 20 }) { sink in
                let arguments = ImportCLITests.importArguments(
                    [path], host: sink.url, dir: dir, ["--batch-size", "100", "--workers", "2", "--concurrency", "2", "--rate", "1500"])
                let child = try FlagCLIProcess(arguments, environment: Self.environment)
                let atKill = await ImportCLITests.waitForStored(sink, atLeast: 2_000, while: child)
                child.signal(SIGKILL)
                _ = await child.waitForExit(timeout: .seconds(10))
                #expect(atKill < count, "the import finished before it could be killed")
                // Every row the checkpoint counts as done is in the sink.
                let committed = try CheckpointStore(path: dir.file("job.db")).allProgress().first?.counts.rows ?? 0
                #expect(committed > 0)
                let again = try await FlagCLIProcess.run(arguments, environment: Self.environment, timeout: .seconds(120))
                #expect(again.status == 0, "\(again.stderr)")
                let stored = try sink.storedEvents()
                #expect(Set(stored.sampleNumbers) == Set(0..<count))
                #expect(Set(stored.map(\.uuid)).count == count)
                var uuidsByRow: [Int: Set<String>] = [:]
                for event in stored { if let n = event.properties["n"]?.intValue { uuidsByRow[Int(n), default: []].insert(event.uuid) } }
                #expect(uuidsByRow.values.allSatisfy { $0.count == 1 }, "one uuid per row across both runs")
                let progress = try #require(try CheckpointStore(path: dir.file("job.db")).allProgress().first)
                #expect(progress.done && progress.counts.rows == count)
            }
        }
    }

    @Test("an empty directory: a clear warning, nothing sent; a dry run names no rejects file")
    func emptyInput() async throws {
        try await withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir.file("empty"), withIntermediateDirectories: true)
            try await withSink(apiKey: Self.key) { sink in
                let result = try await FlagCLIProcess.run(
                    ImportCLITests.importArguments([dir.file("empty")], host: sink.url, dir: dir), environment: Self.environment)
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout.contains("warning:  nothing to import: no input files"), "\(result.stdout)")
                #expect(sink.router.statistics.requests == 0)
            }
            let bad = try writeLines(dir, "bad.ndjson", ["{nope"])
            let dry = try await FlagCLIProcess.run(["import", bad, "--dry-run", "--progress", "never"], environment: Self.environment)
            #expect(dry.status == 1)
            #expect(!dry.stdout.contains("rejects:"), "\(dry.stdout)")
        }
    }

    @Test("--rate -5 says what is wrong with the value; runtime errors carry no usage text")
    func messages() async throws {
        let rate = try await FlagCLIProcess.run(["import", "x.ndjson", "--rate", "-5"], environment: Self.environment)
        #expect(rate.status == 2)
        #expect(rate.stderr.contains("--rate must be 0"), "\(rate.stderr)")
        let missing = try await FlagCLIProcess.run(["import", "/nonexistent/file.ndjson", "--host", "http://127.0.0.1:9"], environment: Self.environment)
        #expect(missing.status == 5, "\(missing.stderr)")
        #expect(!missing.stderr.contains("USAGE"), "\(missing.stderr)")
        let help = try await FlagCLIProcess.run(["import", "--help"], environment: Self.environment)
        #expect(help.stdout.contains("Examples:"), "\(help.stdout)")
        #expect(help.stdout.contains("Exit codes: 0"))
    }
}
