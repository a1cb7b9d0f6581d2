import Foundation
import HogportKit
import PostHogKit
import PostHogCore
import Testing
import TestSupport

/// The ga4 and heap presets through the whole pipeline into a loopback sink: every mapped message
/// delivered, the same uuids on a second import, and kill -9 then resume as real processes.
@Suite("Preset imports: ga4 and heap")
struct PresetGA4HeapImportTests {
    static let samples: [String: [String]] = [
        "ga4": [PresetSamples.path("ga4-bigquery.jsonl"), PresetSamples.path("ga4-events_intraday_20240801-000000000000.json.gz")],
        "heap": [PresetSamples.path("heap")],
    ]

    func job(_ directory: TemporaryDirectory, _ inputs: [String], preset name: String, host: String, checkpoint: String = "job") throws -> ImportTestJob {
        let preset = try Presets.preset(named: name)
        var job = ImportTestJob(directory: directory, inputs: try InputExpander.expand(inputs), host: host)
        job.configuration.mapping = preset.mapping
        job.configuration.reshaper = preset.reshaper
        job.configuration.presetName = name
        job.configuration.batchSize = 2
        job.configuration.checkpointPath = directory.file(checkpoint + ".db")
        job.configuration.rejectsPath = directory.file(checkpoint + ".rejects.ndjson")
        return job
    }

    @Test("the samples: every mapped message delivered once, nothing rejected; a re-run sends nothing", arguments: ["ga4", "heap"])
    func deliversEverything(preset: String) async throws {
        let directory = try TemporaryDirectory(prefix: "preset-\(preset)-import")
        defer { directory.remove() }
        let inputs = try #require(Self.samples[preset])
        let expected = try PresetSamples.messages(inputs, preset: preset)
        try await withSink { sink in
            try await withHTTPTransport { transport in
                let first = try await job(directory, inputs, preset: preset, host: sink.url).run(transport: transport)
                #expect(first.counts.rejected == 0)
                let stored = try sink.storedEvents()
                #expect(stored.count == expected.count)
                #expect(Set(stored.map(\.uuid)) == Set(expected.map(\.event.uuid)), "the messages the dry mapping makes, by uuid")
                #expect(Set(stored.map(\.event)) == Set(expected.map(\.event.event)))
                let again = try await job(directory, inputs, preset: preset, host: sink.url).run(transport: transport)
                #expect(again.counts.sent == 0)
                #expect(try sink.storedEvents().count == stored.count)
            }
        }
    }

    @Test("importing the same export twice (new checkpoint, new sink) sends the same uuids", arguments: ["ga4", "heap"])
    func sameUUIDsTwice(preset: String) async throws {
        let directory = try TemporaryDirectory(prefix: "preset-\(preset)-twice")
        defer { directory.remove() }
        let inputs = try #require(Self.samples[preset])
        var runs: [[String]] = []
        for name in ["first", "second"] {
            let uuids = try await withSink { sink in
                try await withHTTPTransport { transport in
                    _ = try await job(directory, inputs, preset: preset, host: sink.url, checkpoint: name).run(transport: transport)
                    return try sink.storedEvents().map(\.uuid).sorted()
                }
            }
            runs.append(uuids)
        }
        #expect(runs[0].isEmpty == false)
        #expect(runs[0] == runs[1])
    }

    /// A GA4 extract of `count` rows over two days; every seventh row also has a user id.
    static func ga4Lines(count: Int) -> [String] {
        (0..<count).map { i in
            let user = i % 7 == 0 ? #""u-\#(i % 50)""# : "null"
            return
                #"{"event_name":"scroll","event_timestamp":"\#(1_722_470_400_000_000 + Int64(i) * 57_600_000)","event_params":[{"key":"n","value":{"int_value":"\#(i)"}}],"event_bundle_sequence_id":"\#(i / 10)","batch_event_index":"\#(i % 10)","user_id":\#(user),"user_pseudo_id":"p-\#(i % 50)"}"#
        }
    }

    /// A Heap all_events unload of `count` rows over two days.
    static func heapLines(count: Int) -> [String] {
        ["event_id,user_id,time,type,n"]
            + (0..<count).map { i in
                let time = Timestamp(microseconds: 1_673_740_800_000_000 + Int64(i) * 57_600_000).iso8601
                    .replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
                return "\(5_830_215_720_000_000 + i),\(2_008_543_124_100_000 + i % 40),\(time),click,\(i)"
            }
    }

    @Test(
        "kill -9 mid-file, then the same command: every message delivered, committed rows not sent again, one uuid per row",
        arguments: [
            ("ga4", "events_20240801-000000000000.json"), ("heap", "all_events.csv"),
        ])
    func sigkillThenResume(preset: String, file: String) async throws {
        try await withTemporaryDirectory { dir in
            let count = 3_000
            let path = try writeLines(dir, file, preset == "ga4" ? Self.ga4Lines(count: count) : Self.heapLines(count: count))
            let mapped = try PresetSamples.map([path], preset: preset)
            let expected = mapped.flatMap(\.messages).map(\.event.uuid)
            #expect(mapped.allSatisfy { $0.error == nil } && expected.count >= count)
            try await withSink(apiKey: ImportCLITests.key, configure: { $0.faults.latencyMilliseconds = 25 }) { sink in
                let arguments = ImportCLITests.importArguments(
                    [path], host: sink.url, dir: dir, ["--preset", preset, "--batch-size", "50", "--concurrency", "2", "--rate", "500"])
                let child = try FlagCLIProcess(arguments, environment: ImportCLITests.environment())
                let atKill = await ImportCLITests.waitForStored(sink, atLeast: 600, while: child)
                child.signal(SIGKILL)
                _ = await child.waitForExit(timeout: .seconds(10))
                #expect(atKill >= 600 && atKill < expected.count, "killed mid-file (\(atKill) of \(expected.count))")
                let committedLine = try CheckpointStore(path: dir.file("job.db")).allProgress().first?.line ?? 0

                let again = try await FlagCLIProcess.run(arguments, environment: ImportCLITests.environment(), timeout: .seconds(60))
                #expect(again.status == 0, "\(again.stderr)")
                let stored = try sink.storedEvents().map(\.uuid)
                #expect(Set(stored) == Set(expected), "every message, under the uuid the mapping gives it")
                var times: [String: Int] = [:]
                for uuid in stored { times[uuid, default: 0] += 1 }
                let committed = mapped.filter { $0.line < committedLine }.flatMap(\.messages).map(\.event.uuid)
                #expect(committed.count > 0)
                #expect(committed.allSatisfy { times[$0] == 1 }, "rows committed before the kill are not sent again")
            }
        }
    }
}
