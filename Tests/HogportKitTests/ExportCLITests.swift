import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// `hogport export` as a real process: kill -9 mid-run and resume, secrets, usage errors.
@Suite("Export CLI (real processes)", .serialized)
struct ExportCLITests {
    static func environment(key: String = TestKeys.personal) -> [String: String] {
        FlagCLIProcess.environment(["POSTHOG_PERSONAL_API_KEY": key])
    }

    static func arguments(host: String, out: String, _ extra: [String] = []) -> [String] {
        ["export", "--project-id", "7", "--host", host, "--since", "2024-03-01", "--until", "2024-03-10", "--out", out, "--progress", "never"] + extra
    }

    @Test("kill -9 mid-run, then the same command: every event exported exactly once, files complete")
    func sigkillThenResume() async throws {
        try await withTemporaryDirectory { dir in
            let count = 1_200
            // A slow sink (like `hogport sink --latency-ms 20`) and small pages keep the run several seconds long.
            try await withExportSink(configure: { $0.faults.latencyMilliseconds = 20 }) { sink in
                try await seed(sink, sinkRows(count: count, spacing: .seconds(300)))  // a bit over 4 days
                let out = dir.file("out")
                let arguments = Self.arguments(host: sink.url, out: out, ["--page-size", "10", "--gzip", "--requests-per-minute", "6000"])
                let child = try FlagCLIProcess(arguments, environment: Self.environment())
                // Wait for the first published day, then kill.
                let published = await eventually(timeout: .seconds(60), interval: .milliseconds(10)) {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
                    return names.contains("events-2024-03-01.ndjson.gz") || child.exitStatus != nil
                }
                child.signal(SIGKILL)
                _ = await child.waitForExit(timeout: .seconds(10))
                #expect(published)
                #expect(child.exitStatus != 0, "the export finished before it could be killed")

                let again = try await FlagCLIProcess.run(arguments, environment: Self.environment(), timeout: .seconds(120))
                #expect(again.status == 0, "\(again.stderr)")
                #expect(!again.output.contains(TestKeys.personal))

                let names = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix("events-") }.sorted()
                var uuids: [String] = []
                for name in names {
                    uuids += try exportedLines(out + "/" + name).map { try #require(try JSONParser.parse($0)["uuid"]?.stringValue) }
                }
                #expect(uuids.count == count, "\(names)")
                #expect(Set(uuids) == Set((0..<count).map(ImportRows.uuid)))
                #expect(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".tmp") }.isEmpty)
                let manifest = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))))
                #expect(manifest["rows"]?.intValue == Int64(count))
            }
        }
    }

    @Test("SIGINT: exit 130 after publishing what was read; the rerun completes without duplicates")
    func sigintPublishesAndStops() async throws {
        try await withTemporaryDirectory { dir in
            let count = 600
            try await withExportSink(configure: { $0.faults.latencyMilliseconds = 20 }) { sink in
                try await seed(sink, sinkRows(count: count, spacing: .seconds(300)))
                let out = dir.file("out")
                let arguments = Self.arguments(host: sink.url, out: out, ["--page-size", "10", "--requests-per-minute", "6000"])
                let child = try FlagCLIProcess(arguments, environment: Self.environment())
                _ = await eventually(timeout: .seconds(60), interval: .milliseconds(10)) {
                    ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).contains("events-2024-03-01.ndjson") || child.exitStatus != nil
                }
                child.signal(SIGINT)
                #expect(await child.waitForExit(timeout: .seconds(30)) == 130, "\(child.stderr)")
                let manifest = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))))
                let published = try #require(manifest["rows"]?.intValue)
                #expect(published > 0 && published < Int64(count))

                let again = try await FlagCLIProcess.run(arguments, environment: Self.environment(), timeout: .seconds(120))
                #expect(again.status == 0, "\(again.stderr)")
                var uuids: [String] = []
                for name in try FileManager.default.contentsOfDirectory(atPath: out).filter({ $0.hasPrefix("events-") }) {
                    uuids += try exportedLines(out + "/" + name).map { try #require(try JSONParser.parse($0)["uuid"]?.stringValue) }
                }
                #expect(uuids.count == count)
                #expect(Set(uuids).count == count)
            }
        }
    }

    @Test("a wrong personal key: exit 3, the key never printed; no key: exit 2")
    func keys() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink { sink in
                let wrong = "phx_wrong_secret_value_123"
                let result = try await FlagCLIProcess.run(
                    Self.arguments(host: sink.url, out: dir.file("out"), ["--log-format", "json"]), environment: Self.environment(key: wrong))
                #expect(result.status == 3, "\(result.stderr)")
                #expect(!result.output.contains(wrong))
                let none = try await FlagCLIProcess.run(Self.arguments(host: sink.url, out: dir.file("out")), environment: FlagCLIProcess.environment())
                #expect(none.status == 2)
                #expect(none.stderr.contains("POSTHOG_PERSONAL_API_KEY"))
            }
        }
    }

    @Test(
        "usage errors exit 2", arguments: [["--page-size", "0"], ["--page-size", "50001"], ["--format", "xml"], ["--lookback", "-1"], ["--settle", "-1"]])
    func usageErrors(extra: [String]) async throws {
        let result = try await FlagCLIProcess.run(Self.arguments(host: "http://127.0.0.1:9", out: "/tmp/unused", extra), environment: Self.environment())
        #expect(result.status == 2, "\(result.stderr)")
    }

    @Test("--help answers")
    func help() async throws {
        let result = try await FlagCLIProcess.run(["export", "--help"], environment: Self.environment())
        #expect(result.status == 0)
        #expect(result.stdout.contains("--lookback"))
        #expect(result.stdout.contains("POSTHOG_PERSONAL_API_KEY"))
    }
}
