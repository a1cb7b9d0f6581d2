import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// The posthog preset on batch-export rows, and the preset registry.
@Suite("Preset: posthog and the registry")
struct PresetPostHogTests {
    @Test("batch-export rows: properties as a JSON string or an object, uuid kept, elements_chain as $elements_chain, person_id and other columns ignored")
    func batchExport() throws {
        let rows = try PresetSamples.map([PresetSamples.path("posthog-batch-export.jsonl")], preset: "posthog")
        #expect(rows.allSatisfy { $0.error == nil }, "\(rows.compactMap(\.error))")
        let m = rows.flatMap(\.messages)
        #expect(m.map(\.event.uuid) == (1...4).map { "01903a4e-8d1b-7f6a-9c2e-5b7d1a3e9f0\($0)" })
        #expect(m.allSatisfy { $0.sourceUUID })
        #expect(m[0].event.properties["$current_url"] == "https://example.com/")
        #expect(m[0].event.properties["person_id"] == nil)
        #expect(m[0].event.properties["elements_chain"] == nil)
        #expect(m[0].event.properties["$elements_chain"] == nil, "an empty chain is no chain")
        #expect(m[3].event.properties["$elements_chain"]?.stringValue?.hasPrefix("button.btn.primary:") == true)
        #expect(m[3].event.properties["$event_type"] == "click")
        #expect(m[0].event.timestamp == .utc(2024, 7, 6, 0, 0, 1, us: 123_000))
        #expect(m[1].event.set == ["email": "a@example.com"])
        #expect(m[2].kind == .identify)
        #expect(m[2].event.set == ["plan": "pro"])
        #expect(m[2].event.properties["$anon_distinct_id"] == "anon-1")
    }

    @Test("the registry: names, lookups, unknown names, reshapers only for vendor presets")
    func registry() throws {
        #expect(Presets.names == ["posthog", "amplitude", "mixpanel", "segment", "ga4", "heap"])
        #expect(try Presets.mapping(named: "posthog") == ImportMapping())
        #expect(try Presets.reshaper(named: "posthog") == nil)
        for name in ["amplitude", "mixpanel", "segment", "ga4", "heap"] {
            #expect(try Presets.reshaper(named: name) != nil)
            #expect(Presets.descriptions[name]?.isEmpty == false)
        }
        #expect(throws: MappingError.self) { try Presets.preset(named: "ga3") }
    }

    @Test("fingerprints: posthog's is unchanged, each vendor preset's names it and its version")
    func fingerprints() throws {
        #expect(try Presets.mapping(named: "posthog").fingerprint == ImportMapping().fingerprint)
        let prints = try ["posthog", "amplitude", "mixpanel", "segment"].map { try Presets.mapping(named: $0).fingerprint }
        #expect(Set(prints).count == 4)
        #expect(try Presets.mapping(named: "amplitude").fingerprint.contains("amplitude/v2"))
        var config = ImportConfiguration(inputs: [], host: "http://x", apiKey: "k", checkpointPath: "c", rejectsPath: "r")
        config.mapping = try Presets.mapping(named: "segment")
        config.presetName = "segment"
        #expect(config.fingerprint.contains("segment/v1"))
    }
}
