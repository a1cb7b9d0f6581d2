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
        #expect(text.stdout.contains("- event_name: page_view -> $pageview"), "the rules under each preset")
        #expect(list.first { $0["name"] == "heap" }?["rules"]?.arrayValue?.isEmpty == false)
    }

    @Test(
        "import --preset NAME --dry-run shows the first mapped messages for every preset",
        arguments: [
            ("amplitude", "amplitude-export.zip", 9), ("mixpanel", "mixpanel-export.jsonl", 7), ("segment", "segment-archive.ndjson.gz", 8),
            ("posthog", "posthog-batch-export.jsonl", 4), ("ga4", "ga4-bigquery.jsonl", 4), ("heap", "heap", 9),
        ])
    func dryRun(preset: String, file: String, messages: Int) async throws {
        let result = try await FlagCLIProcess.run(["import", "--preset", preset, "--dry-run", PresetSamples.path(file), "--progress", "never"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("dry run: nothing was sent"))
        #expect(result.stdout.contains("mapped:   \(messages) messages"), "\(result.stdout)")
    }

    @Test("--no-link-devices leaves the aliases out")
    func noLinkDevices() async throws {
        let result = try await FlagCLIProcess.run([
            "import", "--preset", "amplitude", "--no-link-devices", "--dry-run", PresetSamples.path("amplitude-export.zip"), "--progress", "never",
        ])
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
                [
                    "import", "--preset", "mixpanel", PresetSamples.path("mixpanel-export.jsonl"), "--host", sink.url, "--checkpoint", directory.file("job.db"),
                    "--progress", "never",
                ],
                environment: FlagCLIProcess.environment(["POSTHOG_API_KEY": TestKeys.project]))
            #expect(send.status == 0, "\(send.stderr)")
            #expect(try sink.router.store.counts().events > 0)
        }
        let unknown = try await FlagCLIProcess.run(["import", "--preset", "ga3", "--dry-run", PresetSamples.path("mixpanel-export.jsonl")])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("hogport presets"))
    }

    @Test(
        "--heap-table and --ga4-keep-bookkeeping: usage errors with another preset; --heap-table names the table",
        arguments: [
            (["--preset", "ga4", "--heap-table", "users"], 2, "applies to --preset heap"),
            (["--preset", "heap", "--ga4-keep-bookkeeping"], 2, "applies to --preset ga4"),
            (["--preset", "heap", "--heap-table", "signed_up"], 0, "\"event\":\"signed_up\""),
        ])
    func vendorOptions(extra: [String], status: Int32, output: String) async throws {
        let directory = try TemporaryDirectory(prefix: "preset-cli-options")
        defer { directory.remove() }
        let path = try directory.write("data_0_0_0.csv", "event_id,user_id,time\n5,6,2023-02-01 00:00:00\n")
        let result = try await FlagCLIProcess.run(["import", "--dry-run", path, "--progress", "never"] + extra)
        #expect(result.status == status, "\(result.stderr)")
        #expect((result.stdout + result.stderr).contains(output), "\(result.stdout)\(result.stderr)")
    }
}
