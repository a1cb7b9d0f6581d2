import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// Rules added after a review of the presets: identity rows and the order of zip entries.
@Suite("Presets: identity rows and entry order")
struct PresetReviewTests {
    @Test("Amplitude $identify with a user and a device merges the device into the user")
    func amplitudeIdentifyMerges() throws {
        let row: [String: JSONValue] = [
            "event_type": "$identify", "event_time": "2024-07-06 10:00:00", "user_id": "u-1", "device_id": "d-1",
            "user_properties": ["plan": "pro"],
        ]
        let out = try AmplitudePreset().reshape(row).rows
        #expect(out.count == 1)
        #expect(out[0]["type"] == "identify")
        #expect(out[0]["distinct_id"] == "u-1")
        #expect(out[0]["properties"]?["$anon_distinct_id"] == "d-1")
        let message = try MessageBuilder().build(out[0])
        guard case .message(let m) = message else {
            Issue.record("expected a message")
            return
        }
        #expect(m.kind == .identify)
        #expect(m.event.set?["plan"] == "pro")
    }

    @Test("Amplitude $identify without a user is a $set on the device, or nothing when it sets nothing")
    func amplitudeIdentifyWithoutUser() throws {
        let withProps: [String: JSONValue] = [
            "event_type": "$identify", "event_time": "2024-07-06 10:00:00", "device_id": "d-1", "user_properties": ["plan": "pro"],
        ]
        let out = try AmplitudePreset().reshape(withProps).rows
        #expect(out.count == 1)
        #expect(out[0]["type"] == "set")
        #expect(out[0]["distinct_id"] == "d-1")
        #expect(out[0]["properties"]?["$anon_distinct_id"] == nil)
        let empty: [String: JSONValue] = ["event_type": "$identify", "event_time": "2024-07-06 10:00:00", "device_id": "d-1"]
        #expect(try AmplitudePreset().reshape(empty).rows.isEmpty)
    }

    @Test("Mixpanel $identify: a $device: prefix is stripped from $anon_id as from distinct ids")
    func mixpanelAnonId() throws {
        let row: [String: JSONValue] = [
            "event": "$identify",
            "properties": ["time": 1_720_000_000, "distinct_id": "u-1", "$identified_id": "u-1", "$anon_id": "$device:abc-123"],
        ]
        let out = try MixpanelPreset().reshape(row).rows
        #expect(out[0]["properties"]?["$anon_distinct_id"] == "abc-123")
    }

    @Test("zip entries come in natural order: hour 2 before hour 10")
    func naturalOrder() async throws {
        try withTemporaryDirectory { dir in
            var builder = PresetZipTests.ZipBuilder()
            builder.entries = ["p_2024-07-06_10#0.json", "p_2024-07-06_2#0.json", "p_2024-07-06_9#0.json", "p_2024-07-06_23#0.json"].map {
                .init(name: $0, data: Array("{\"x\":1}\n".utf8))
            }
            let zip = try dir.write("export.zip", try builder.bytes())
            let paths = try InputExpander.expand([zip])
            #expect(
                paths.map { $0.components(separatedBy: "!/")[1] } == [
                    "p_2024-07-06_2#0.json", "p_2024-07-06_9#0.json", "p_2024-07-06_10#0.json", "p_2024-07-06_23#0.json",
                ])
        }
    }
}
