import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// Group identifies are sent when a group's properties change, not with every event that repeats
/// them; Segment's group type is the user's to choose.
@Suite("Preset: group identifies and group types")
struct PresetGroupTests {
    /// An Amplitude row of `user` in group acme with `properties`.
    static func amplitudeRow(_ n: Int, name: String) -> [String: JSONValue] {
        [
            "event_type": "Report Run", "user_id": "user-1", "event_time": .string("2024-07-06 00:0\(n):00.000000"),
            "uuid": .string(ImportRows.uuid(n)), "groups": ["company": "acme"],
            "group_properties": ["company": ["acme": ["name": .string(name)]]],
        ]
    }

    static func kinds(_ output: PresetRowMapper.Output) -> [String] {
        output.rows.map { row in
            switch row {
            case .message(let m): m.event.event
            case .skipped: "skipped"
            }
        }
    }

    @Test("Amplitude: the same group properties on every event give one $groupidentify; a change gives another")
    func amplitudeRepeats() throws {
        var mapper = PresetRowMapper(preset: try Presets.preset(named: "amplitude"))
        #expect(Self.kinds(try mapper.map(Self.amplitudeRow(1, name: "Acme"))) == ["Report Run", "$groupidentify"])
        #expect(Self.kinds(try mapper.map(Self.amplitudeRow(2, name: "Acme"))) == ["Report Run"])
        #expect(Self.kinds(try mapper.map(Self.amplitudeRow(3, name: "Acme Inc"))) == ["Report Run", "$groupidentify"])
        #expect(Self.kinds(try mapper.map(Self.amplitudeRow(4, name: "Acme"))) == ["Report Run", "$groupidentify"], "back to the old name: a change too")
        // A $groupidentify source row with nothing new becomes a skip, counted as such.
        var identify = Self.amplitudeRow(5, name: "Acme")
        identify["event_type"] = "$groupidentify"
        #expect(Self.kinds(try mapper.map(identify)) == ["skipped"])
        // The same with a device not linked before: the alias still goes, the group identify not.
        identify["device_id"] = "device-9"
        #expect(Self.kinds(try mapper.map(identify)) == ["$create_alias"])
        #expect(Self.kinds(try mapper.map(identify)) == ["skipped"])
    }

    @Test("a row rejected after mapping is forgotten: the next row with the same group properties sends them")
    func forgottenOnReject() throws {
        var mapper = PresetRowMapper(preset: try Presets.preset(named: "amplitude"))
        let first = try mapper.map(Self.amplitudeRow(1, name: "Acme"))
        mapper.forget(first)
        #expect(Self.kinds(try mapper.map(Self.amplitudeRow(2, name: "Acme"))) == ["Report Run", "$groupidentify"])
        // A row that fails to map records nothing either.
        var broken = Self.amplitudeRow(3, name: "Other")
        broken["event_time"] = "not a time"
        broken["client_event_time"] = "not a time"
        #expect(throws: MappingError.self) { try mapper.map(broken) }
        #expect(Self.kinds(try mapper.map(Self.amplitudeRow(4, name: "Other"))) == ["Report Run", "$groupidentify"])
    }

    @Test("the filter alone: other rows pass, repeats within one batch of rows and across calls are left out, groups differ by type and key")
    func filter() {
        func group(_ type: String, _ key: String, _ set: JSONValue) -> [String: JSONValue] {
            ["type": "group_identify", "group_type": .string(type), "group_key": .string(key), "$group_set": set]
        }
        var filter = GroupIdentifyFilter()
        let event: [String: JSONValue] = ["event": "e"]
        let first = filter.filter([event, group("company", "a", ["n": 1]), group("company", "a", ["n": 1]), group("team", "a", ["n": 1])])
        #expect(first.rows.count == 3)
        #expect(first.sent.count == 2)
        filter.record(first.sent)
        #expect(filter.filter([group("company", "a", ["n": 1])]).rows.isEmpty)
        #expect(filter.filter([group("company", "b", ["n": 1])]).rows.count == 1)
        #expect(filter.filter([group("company", "a", ["n": 2])]).rows.count == 1)
        filter.forget(first.sent)
        #expect(filter.filter([group("company", "a", ["n": 1])]).rows.count == 1)
    }

    @Test("Segment --group-type: group calls and context.groupId use it; the fingerprint changes with it")
    func segmentGroupType() throws {
        let preset = Presets.segment(groupType: "organization")
        var mapper = PresetRowMapper(preset: preset)
        let call: [String: JSONValue] = [
            "type": "group", "userId": "u1", "groupId": "org-9", "traits": ["name": "Initech"], "timestamp": "2024-07-06T00:00:00Z",
            "messageId": "m-1",
        ]
        guard case .message(let message)? = try mapper.map(call).rows.first else {
            Issue.record("no message")
            return
        }
        #expect(message.event.properties["$group_type"] == "organization")
        #expect(message.event.properties["$group_key"] == "org-9")
        let track: [String: JSONValue] = ["type": "track", "event": "e", "userId": "u1", "context": ["groupId": "org-9"], "timestamp": "2024-07-06T00:00:00Z"]
        guard case .message(let tracked)? = try mapper.map(track).rows.first else {
            Issue.record("no message")
            return
        }
        #expect(tracked.event.properties["$groups"] == ["organization": "org-9"])
        #expect(preset.mapping.fingerprint != (try Presets.mapping(named: "segment")).fingerprint)
        #expect(Presets.segment(groupType: "company").mapping.fingerprint == (try Presets.mapping(named: "segment")).fingerprint)
    }

    @Test("hogport import --group-type: applies to segment; with another preset it is a usage error (exit 2)")
    func groupTypeCLI() async throws {
        let segment = try await FlagCLIProcess.run([
            "import", "--preset", "segment", "--group-type", "organization", "--dry-run", PresetSamples.path("segment-archive.ndjson.gz"),
            "--progress", "never",
        ])
        #expect(segment.status == 0, "\(segment.stderr)")
        #expect(segment.stdout.contains(#""$group_type":"organization""#), "\(segment.stdout)")
        let amplitude = try await FlagCLIProcess.run([
            "import", "--preset", "amplitude", "--group-type", "organization", "--dry-run", PresetSamples.path("amplitude-export.zip"),
            "--progress", "never",
        ])
        #expect(amplitude.status == 2)
        #expect(amplitude.stderr.contains("--group-type applies to --preset segment"), "\(amplitude.stderr)")
    }
}
