import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// Vendor presets through the whole pipeline into a loopback sink.
@Suite("Preset imports into the sink")
struct PresetImportTests {
    func job(_ directory: TemporaryDirectory, _ inputs: [String], preset name: String, host: String, batchSize: Int = 1000) throws -> ImportTestJob {
        let preset = try Presets.preset(named: name)
        var job = ImportTestJob(directory: directory, inputs: inputs, host: host)
        job.configuration.mapping = preset.mapping
        job.configuration.reshaper = preset.reshaper
        job.configuration.presetName = name
        job.configuration.batchSize = batchSize
        return job
    }

    @Test(
        "every message a preset maps is delivered once; a re-run sends nothing",
        arguments: [
            ("amplitude", "amplitude-export.zip"), ("mixpanel", "mixpanel-export.jsonl"), ("segment", "segment-archive.ndjson.gz"),
        ])
    func deliversEverything(preset: String, file: String) async throws {
        let directory = try TemporaryDirectory(prefix: "preset-import")
        defer { directory.remove() }
        let inputs = try InputExpander.expand([PresetSamples.path(file)])
        try await withSink { sink in
            try await withHTTPTransport { transport in
                // Batches of one: a row that becomes several messages spans several batches.
                let first = try await job(directory, inputs, preset: preset, host: sink.url, batchSize: 1).run(transport: transport)
                let stored = try sink.router.store.allEvents()
                #expect(first.counts.sent == stored.count)
                #expect(first.counts.sent > first.counts.rows - first.counts.rejected - first.counts.skipped, "some rows become several messages")
                #expect(Set(stored.map(\.uuid)).count == stored.count, "no uuid twice")
                #expect(first.counts.rejected == 0)
                let progress = try job(directory, inputs, preset: preset, host: sink.url).progress()
                #expect(progress.reduce(0) { $0 + $1.counts.rows } == first.counts.rows, "rows are counted once, not per message")
                let again = try await job(directory, inputs, preset: preset, host: sink.url).run(transport: transport)
                #expect(again.counts.sent == 0)
                #expect(try sink.router.store.allEvents().count == stored.count)
            }
        }
    }

    @Test("device links are remembered in the checkpoint: a second file with the same pairs sends no alias again")
    func linksRemembered() async throws {
        let directory = try TemporaryDirectory(prefix: "preset-links")
        defer { directory.remove() }
        let copy = try directory.write("again.jsonl", String(contentsOfFile: PresetSamples.path("mixpanel-export.jsonl"), encoding: .utf8))
        try await withSink { sink in
            try await withHTTPTransport { transport in
                let original = [PresetSamples.path("mixpanel-export.jsonl")]
                let first = try await job(directory, original, preset: "mixpanel", host: sink.url).run(transport: transport)
                // Link aliases carry hogport_link; source merges are re-sent with the copy (same uuids).
                let aliases = try sink.router.store.allEvents().filter { $0.properties["hogport_link"] != nil }.count
                #expect(first.counts.sent > 0)
                #expect(try job(directory, original, preset: "mixpanel", host: sink.url).progress().isEmpty == false)
                var links = try CheckpointStore(path: directory.file("job.db")).linkedPairs()
                _ = try await job(directory, original + [copy], preset: "mixpanel", host: sink.url).run(transport: transport)
                let after = try sink.router.store.allEvents().filter { $0.properties["hogport_link"] != nil }.count
                #expect(after == aliases, "the aliases of pairs linked by the first run are not sent again")
                links = try CheckpointStore(path: directory.file("job.db")).linkedPairs()
                #expect(links.count == aliases && aliases > 0, "each link sent once and remembered")
            }
        }
    }

    @Test("a link alias the server refuses is in the rejects and not remembered: the next file with the pair sends it again")
    func refusedAliasNotRemembered() async throws {
        let directory = try TemporaryDirectory(prefix: "preset-refused-link")
        defer { directory.remove() }
        func row(_ n: Int) -> String {
            #"{"event_type":"Song Played","event_time":"2024-07-06 00:0\#(n):00","user_id":"user-1","device_id":"dev-1","uuid":"\#(ImportRows.uuid(n))"}"#
        }
        let first = try directory.write("day1.json", row(1) + "\n")
        let second = try directory.write("day2.json", row(2) + "\n")
        let pair = DeviceLink.Key(deviceId: "dev-1", userId: "user-1")
        try await withSink(configure: { $0.faults.refuseEvents = ["$create_alias"] }) { sink in
            try await withHTTPTransport { transport in
                let summary = try await job(directory, [first], preset: "amplitude", host: sink.url).run(transport: transport)
                #expect(summary.counts.sent == 1)
                #expect(summary.counts.rejected == 1)
                let rejects = try String(contentsOfFile: directory.file("job.rejects.ndjson"), encoding: .utf8)
                #expect(rejects.contains("$create_alias") && rejects.contains("RefusedEvent"), "\(rejects)")
                #expect(try CheckpointStore(path: directory.file("job.db")).linkedPairs().contains(pair) == false)
            }
        }
        try await withSink { sink in
            try await withHTTPTransport { transport in
                // The same job, now against a sink that accepts aliases (recorded as its destination).
                let next = try job(directory, [first, second], preset: "amplitude", host: sink.url)
                try CheckpointStore(path: directory.file("job.db")).setDestination(next.configuration.destination)
                let summary = try await next.run(transport: transport)
                #expect(summary.counts.sent == 2, "day 2's event and the alias again")
                #expect(try sink.router.store.allEvents().map(\.event).sorted() == ["$create_alias", "Song Played"])
                #expect(try CheckpointStore(path: directory.file("job.db")).linkedPairs().contains(pair))
            }
        }
    }
}
