import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// `hogport presets` and `hogport import --preset NAME --dry-run` as real processes.
@Suite("Preset CLI (real processes)")
struct PresetCLITests {
    @Test("hogport presets lists every preset with its version; --json too")
    func list() async throws {
        let text = try await FlagCLIProcess.run(["presets"])
        #expect(text.status == 0)
        for name in Presets.names { #expect(text.stdout.contains(name + " ")) }
        let json = try await FlagCLIProcess.run(["presets", "--json"])
        #expect(json.status == 0)
        let list = try JSONParser.parse(json.stdout).arrayValue ?? []
        #expect(list.compactMap { $0["name"]?.stringValue } == Presets.names)
        #expect(list.compactMap { $0["version"]?.intValue } == Presets.all.map { Int64($0.version) })
        #expect(list.first { $0["name"] == "amplitude" }?["version"] == 2)
    }

    @Test("import --preset NAME --dry-run shows the first mapped messages for every preset", arguments: [
        ("amplitude", "amplitude-export.zip", 9), ("mixpanel", "mixpanel-export.jsonl", 7), ("segment", "segment-archive.ndjson.gz", 8),
        ("posthog", "posthog-batch-export.jsonl", 4),
    ])
    func dryRun(preset: String, file: String, messages: Int) async throws {
        let result = try await FlagCLIProcess.run(["import", "--preset", preset, "--dry-run", PresetSamples.path(file), "--progress", "never"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("dry run: nothing was sent"))
        #expect(result.stdout.contains("mapped:   \(messages) messages"), "\(result.stdout)")
    }

    @Test("--no-link-devices leaves the aliases out")
    func noLinkDevices() async throws {
        let result = try await FlagCLIProcess.run(["import", "--preset", "amplitude", "--no-link-devices", "--dry-run", PresetSamples.path("amplitude-export.zip"), "--progress", "never"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("mapped:   7 messages"), "\(result.stdout)")
        #expect(!result.stdout.contains("$create_alias"))
    }

    @Test("import --preset mixpanel sends into a sink like any import; an unknown preset is a usage error")
    func sendAndRefusals() async throws {
        let directory = try TemporaryDirectory(prefix: "preset-cli")
        defer { directory.remove() }
        try await withSink { sink in
            let send = try await FlagCLIProcess.run(
                ["import", "--preset", "mixpanel", PresetSamples.path("mixpanel-export.jsonl"), "--host", sink.url, "--checkpoint", directory.file("job.db"), "--progress", "never"],
                environment: FlagCLIProcess.environment(["POSTHOG_API_KEY": TestKeys.project]))
            #expect(send.status == 0, "\(send.stderr)")
            #expect(try sink.router.store.counts().events > 0)
        }
        let unknown = try await FlagCLIProcess.run(["import", "--preset", "heap", "--dry-run", PresetSamples.path("mixpanel-export.jsonl")])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("hogport presets"))
    }
}
