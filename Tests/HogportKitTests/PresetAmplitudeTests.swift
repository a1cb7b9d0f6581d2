import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// The amplitude preset on the Export API zip (Tests/Fixtures/formats and samples/presets).
@Suite("Preset: amplitude")
struct PresetAmplitudeTests {
    static let device = "C8F9E604-F01A-4BD9-95C6-8E5357DF265D"

    func sharedMessages(linkDevices: Bool = true) throws -> [ImportMessage] {
        try PresetSamples.messages([PresetSamples.vendor("amplitude-export.zip")], preset: "amplitude", linkDevices: linkDevices)
    }

    @Test("the shared export: page view, identify (with its device link), order with group identify")
    func sharedExport() throws {
        let m = try sharedMessages()
        #expect(m.map(\.event.event) == ["$pageview", "$create_alias", "$identify", "Order Completed", "$groupidentify"])
        #expect(m.map(\.kind) == [.capture, .alias, .identify, .capture, .groupIdentify])
    }

    @Test("page view: distinct_id falls back to device_id, event_time as UTC, uuid kept, URL and device fields mapped")
    func pageView() throws {
        let page = try sharedMessages()[0].event
        #expect(page.distinctId == Self.device)
        #expect(page.timestamp == .utc(2024, 7, 6, 0, 0, 1, us: 123_000))
        #expect(page.uuid == "0f3c2a4e-8d1b-4f6a-9c2e-5b7d1a3e9f01")
        let p = page.properties
        #expect(p["$current_url"] == "https://example.com/pricing")
        #expect(p["$pathname"] == "/pricing")
        #expect(p["[Amplitude] Page URL"] == nil)
        #expect(p["$ip"] == "203.0.113.9")
        #expect(p["$geoip_country_name"] == "United States")
        #expect(p["$geoip_subdivision_1_name"] == "California")
        #expect(p["$geoip_city_name"] == "San Francisco")
        #expect(p["$browser"] == "Chrome")
        #expect(p["$browser_version"] == "126")
        #expect(p["$os"] == "Mac")
        #expect(p["$device_type"] == "Desktop")
        #expect(p["$device_id"] == .string(Self.device))
        #expect(p["platform"] == "Web")
        #expect(p["amplitude_id"] == .int(402_185_837_261))
        #expect(p["session_id"] == .int(1_720_224_000_000))
        for dropped in ["event_time", "server_upload_time", "uuid", "$insert_id", "data", "user_properties", "os_name", "groups"] {
            #expect(p[dropped] == nil, "\(dropped)")
        }
        // "EMPTY" means null.
        #expect(page.set == ["initial_referrer": .null])
    }

    @Test("$identify rows become $identify with user_properties as $set, after a $create_alias of the device")
    func identify() throws {
        let m = try sharedMessages()
        let alias = m[1].event
        #expect(alias.distinctId == "user_42")
        #expect(alias.properties["alias"] == .string(Self.device))
        #expect(alias.timestamp == .utc(2024, 7, 6, 0, 0, 9, us: 500_000))
        let identify = m[2].event
        #expect(identify.distinctId == "user_42")
        #expect(identify.set == ["plan": "pro", "email": "a@example.com"])
        #expect(identify.uuid == "6a8e1f02-3c4d-4b5e-8f60-7a9b0c1d2e3f")
    }

    @Test("groups become $groups, group_properties a $groupidentify; the uuid field wins over a non-UUID $insert_id")
    func groups() throws {
        let m = try sharedMessages()
        let order = m[3].event
        #expect(order.distinctId == "user_42")
        #expect(order.timestamp == .utc(2024, 7, 6, 0, 1, 15))
        #expect(order.uuid == "9b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d")
        #expect(order.properties["revenue"] == .double(49.0))
        #expect(order.properties["$groups"] == ["company_id": "acme"])
        #expect(order.set == ["plan": "pro"])
        let group = m[4].event
        #expect(group.properties["$group_type"] == "company_id")
        #expect(group.properties["$group_key"] == "acme")
        #expect(group.properties["$group_set"] == ["name": "Acme"])
        #expect(group.distinctId == "user_42")
    }

    @Test("--no-link-devices adds no alias")
    func noLinks() throws {
        #expect(try sharedMessages(linkDevices: false).map(\.event.event) == ["$pageview", "$identify", "Order Completed", "$groupidentify"])
    }

    @Test("the samples/presets zip: directory skipped, deflated entry read, session_start dropped, $set/$setOnce, EMPTY, mobile fields")
    func sampleZip() throws {
        let rows = try PresetSamples.map([PresetSamples.path("amplitude-export.zip")], preset: "amplitude")
        #expect(rows.allSatisfy { $0.error == nil }, "\(rows.compactMap(\.error))")
        #expect(rows.count == 7)
        #expect(rows.flatMap(\.skipped).count == 1)
        let m = rows.flatMap(\.messages)
        let song = try #require(m.first { $0.event.event == "Song Played" }).event
        #expect(song.distinctId == "A1B2C3D4-0000-4000-8000-000000000001")
        #expect(song.set == ["theme": "dark"])
        #expect(song.setOnce == ["first_song": "Blue"])
        #expect(song.properties["$os"] == "ios")
        #expect(song.properties["$os_version"] == "17.5")
        #expect(song.properties["$device_type"] == "Mobile")
        #expect(song.properties["$device_model"] == "iPhone15,2")
        #expect(song.properties["$browser_language"] == "French")
        #expect(song.properties["$app_version"] == "3.1.0")
        let played = m.filter { $0.event.event == "Song Played" }
        #expect(played[1].event.set == ["plan": .null])
        // Two users on two devices: two aliases, each once.
        #expect(m.filter { $0.kind == .alias }.map(\.event.distinctId) == ["user_42", "user_77"])
        // The $groupidentify source row becomes only the group identify.
        let group = try #require(m.last).event
        #expect(group.event == "$groupidentify")
        #expect(group.properties["$group_type"] == "org")
        #expect(group.properties["$group_key"] == "initech")
        #expect(group.properties["$group_set"] == ["seats": 12])
    }

    @Test("uuids are the same on every run, and a non-UUID $insert_id gives a stable v5")
    func determinism() throws {
        let first = try sharedMessages().map(\.event.uuid)
        let second = try sharedMessages().map(\.event.uuid)
        #expect(first == second)
        #expect(Set(first).count == first.count)
        #expect(first.allSatisfy(EventUUID.isValid))
        let row: [String: JSONValue] = ["event_type": "x", "event_time": "2024-07-06 00:00:00", "device_id": "d", "$insert_id": "order-1"]
        let a = try AmplitudePreset().reshape(row).rows[0]["uuid"]
        let again = try AmplitudePreset().reshape(row).rows[0]["uuid"]
        #expect(a != nil && a == again)
        var other = row
        other["$insert_id"] = "order-2"
        let different = try AmplitudePreset().reshape(other).rows[0]["uuid"]
        #expect(a != different)
    }

    @Test("time fallbacks, and rows without time or ids are rejected with a reason")
    func fallbacksAndRejects() throws {
        let preset = AmplitudePreset()
        let fallback = try preset.reshape(["event_type": "x", "client_event_time": "2024-07-06 00:00:02.5", "user_id": "u"])
        #expect(fallback.rows[0]["timestamp"] == "2024-07-06T00:00:02.500Z")
        let server = try preset.reshape(["event_type": "x", "event_time": .null, "server_received_time": "2024-07-06 00:00:03", "user_id": "u"])
        #expect(server.rows[0]["timestamp"] == "2024-07-06T00:00:03.000Z")
        #expect(throws: MappingError.self) { try preset.reshape(["event_type": "x", "user_id": "u"]) }
        #expect(throws: MappingError.self) { try preset.reshape(["event_type": "x", "event_time": "2024-07-06 00:00:00"]) }
        #expect(throws: MappingError.self) { try preset.reshape(["event_time": "2024-07-06 00:00:00", "user_id": "u"]) }
    }
}
