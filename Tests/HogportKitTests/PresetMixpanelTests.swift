import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// The mixpanel preset on raw export lines (Tests/Fixtures/formats and samples/presets).
@Suite("Preset: mixpanel")
struct PresetMixpanelTests {
    static let device = "7c1f0e2a-93b4-4c2d-a1e5-0f6b8d9c3a21"

    @Test("the shared export: page view, identify, the Purchase's device link, then the Purchase")
    func sharedExport() throws {
        let m = try PresetSamples.messages([PresetSamples.vendor("mixpanel-export.jsonl")], preset: "mixpanel")
        #expect(m.map(\.event.event) == ["$pageview", "$identify", "$create_alias", "Purchase"])
    }

    @Test("$device: ids fall back to $device_id; bookkeeping dropped; geo renamed; time in seconds")
    func pageView() throws {
        let page = try #require(PresetSamples.messages([PresetSamples.vendor("mixpanel-export.jsonl")], preset: "mixpanel").first).event
        #expect(page.distinctId == Self.device)
        #expect(page.timestamp == .utc(2024, 7, 6, 0, 0, 1))
        let p = page.properties
        #expect(p["$geoip_city_name"] == "Paris")
        #expect(p["$geoip_country_code"] == "FR")
        #expect(p["$pathname"] == "/pricing")
        #expect(p["$device_id"] == .string(Self.device))
        for dropped in ["time", "distinct_id", "$insert_id", "mp_processing_time_ms", "$mp_api_endpoint", "$city", "mp_country_code"] {
            #expect(p[dropped] == nil, "\(dropped)")
        }
        // A non-UUID $insert_id gives a v5 uuid.
        #expect(EventUUID.isValid(page.uuid))
    }

    @Test("$identify: $anon_id becomes $anon_distinct_id; a UUID $insert_id is the uuid")
    func identify() throws {
        let m = try PresetSamples.messages([PresetSamples.vendor("mixpanel-export.jsonl")], preset: "mixpanel")
        let identify = m[1]
        #expect(identify.kind == .identify)
        #expect(identify.event.distinctId == "user_42")
        #expect(identify.event.properties["$anon_distinct_id"] == .string(Self.device))
        #expect(identify.event.properties["$anon_id"] == nil)
        #expect(identify.event.uuid == "a8d3831f-ba0e-447e-bdaf-81bc8e9f78be")
        let purchase = m[3].event
        #expect(purchase.uuid == "935d87b1-00cd-41b7-be34-b9d98dd08b42")
        #expect(purchase.properties["$import"] == nil)
        #expect(purchase.properties["Amount"] == .double(5.0))
    }

    @Test("$create_alias and $merge become PostHog aliases; a time in milliseconds; an empty distinct_id uses $device_id")
    func sample() throws {
        let rows = try PresetSamples.map([PresetSamples.path("mixpanel-export.jsonl")], preset: "mixpanel", linkDevices: false)
        #expect(rows.count == 6)
        #expect(rows.allSatisfy { $0.error == nil }, "\(rows.compactMap(\.error))")
        let alias = rows[3].messages[0]
        #expect(alias.kind == .alias)
        #expect(alias.event.distinctId == "user_42")
        #expect(alias.event.properties["alias"] == .string(Self.device))
        let merge = rows[4].messages[0]
        #expect(merge.kind == .alias)
        #expect(merge.event.distinctId == "user_42")
        #expect(merge.event.properties["alias"] == "legacy-42")
        #expect(merge.event.properties["$distinct_ids"] == nil)
        let checkout = rows[5].messages[0].event
        #expect(checkout.timestamp == .utc(2024, 7, 6, 0, 5, 0, us: 123_000))
        #expect(checkout.distinctId == "d-9f8e")
    }

    @Test("$distinct_id_before_identity wins over an anonymous-looking distinct_id")
    func beforeIdentity() throws {
        func distinct(_ props: [String: JSONValue]) throws -> String? {
            var p = props
            p["time"] = 1_720_224_001
            return try MixpanelPreset().reshape(["event": "x", "properties": .object(p)]).rows[0]["distinct_id"]?.stringValue
        }
        #expect(try distinct(["distinct_id": "$device:abc", "$distinct_id_before_identity": "anon-1"]) == "anon-1")
        #expect(try distinct(["distinct_id": "ABC-123", "$distinct_id_before_identity": "anon-2"]) == "anon-2")
        #expect(try distinct(["distinct_id": "user_9", "$distinct_id_before_identity": "anon-3"]) == "user_9")
        #expect(try distinct(["distinct_id": "$device:abc"]) == "abc")
        #expect(throws: MappingError.self) { try distinct(["distinct_id": ""]) }
    }

    @Test("time: seconds below 10^10, milliseconds above; missing time is a reject")
    func time() throws {
        func time(_ value: JSONValue) throws -> String? {
            try MixpanelPreset().reshape(["event": "x", "properties": ["time": value, "distinct_id": "u"]]).rows[0]["timestamp"]?.stringValue
        }
        #expect(try time(.int(1_720_224_001)) == "2024-07-06T00:00:01.000Z")
        #expect(try time(.int(1_720_224_001_250)) == "2024-07-06T00:00:01.250Z")
        #expect(try time(.double(1_720_224_001.5)) == "2024-07-06T00:00:01.500Z")
        #expect(try time("1720224001") == "2024-07-06T00:00:01.000Z")
        #expect(throws: MappingError.self) { try MixpanelPreset().reshape(["event": "x", "properties": ["distinct_id": "u"]]) }
    }

    @Test("uuids are the same on every run")
    func determinism() throws {
        let a = try PresetSamples.messages([PresetSamples.path("mixpanel-export.jsonl")], preset: "mixpanel").map(\.event.uuid)
        let b = try PresetSamples.messages([PresetSamples.path("mixpanel-export.jsonl")], preset: "mixpanel").map(\.event.uuid)
        #expect(a == b)
        #expect(Set(a).count == a.count)
    }
}
