import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// --link-devices: DeviceLinker, PresetRowMapper and the checkpoint's links table.
@Suite("Preset: device links")
struct PresetLinkTests {
    static let a = DeviceLink(deviceId: "dev-1", userId: "user-1", timestamp: "2024-07-06T00:00:00Z")
    static let b = DeviceLink(deviceId: "dev-2", userId: "user-1", timestamp: "2024-07-06T00:00:01Z")

    @Test("one alias row per new pair; known and repeated pairs add nothing")
    func pure() {
        let first = DeviceLinker.aliasRows(for: [Self.a, Self.b, Self.a], known: [])
        #expect(first.rows.count == 2)
        #expect(first.new == [Self.a, Self.b])
        let again = DeviceLinker.aliasRows(for: [Self.a, Self.b], known: [Self.a.key])
        #expect(again.new == [Self.b])
        #expect(DeviceLinker.aliasRows(for: [Self.a], known: [Self.a.key]).rows.isEmpty)
    }

    @Test("the alias row is what MessageBuilder takes: user as distinct id, device as alias, a uuid from the pair")
    func aliasRow() throws {
        let row = DeviceLinker.aliasRow(for: Self.a)
        guard case .message(let m) = try MessageBuilder(mapping: ImportMapping()).build(row) else { throw FlagTestError("skipped") }
        #expect(m.kind == .alias)
        #expect(m.event.event == "$create_alias")
        #expect(m.event.distinctId == "user-1")
        #expect(m.event.properties["alias"] == "dev-1")
        #expect(m.sourceUUID)
        var later = Self.a
        later.timestamp = "2024-08-01T00:00:00Z"
        #expect(DeviceLinker.aliasRow(for: later)["uuid"] == row["uuid"])
        #expect(DeviceLinker.aliasRow(for: Self.b)["uuid"] != row["uuid"])
    }

    @Test("the linker remembers what it linked, and forgets on request")
    func mutating() {
        var linker = DeviceLinker()
        #expect(linker.link([Self.a]).rows.count == 1)
        #expect(linker.link([Self.a]).rows.isEmpty)
        linker.forget([Self.a])
        #expect(linker.link([Self.a]).rows.count == 1)
    }

    @Test("the mapper: pairs known from an earlier run are not linked again; a rejected row keeps its pair unlinked")
    func mapper() throws {
        let row: [String: JSONValue] = ["event_type": "x", "event_time": "2024-07-06 00:00:00", "user_id": "user-1", "device_id": "dev-1"]
        var fresh = PresetRowMapper(preset: try Presets.preset(named: "amplitude"))
        let out = try fresh.map(row)
        #expect(out.rows.count == 2)
        #expect(out.newLinks.map(\.key) == [Self.a.key])
        var resumed = PresetRowMapper(preset: try Presets.preset(named: "amplitude"), knownLinks: [Self.a.key])
        #expect(try resumed.map(row).rows.count == 1)

        // A row whose own message fails is rejected whole: no alias is kept for it.
        var bad = row
        bad["user_id"] = .string(String(repeating: "u", count: 300))
        bad["device_id"] = "dev-9"
        var mapper = PresetRowMapper(preset: try Presets.preset(named: "amplitude"))
        #expect(throws: MappingError.self) { try mapper.map(bad) }
        #expect(mapper.linker.known.isEmpty)
    }

    @Test("a dropped row is one skip")
    func skipped() throws {
        var mapper = PresetRowMapper(preset: try Presets.preset(named: "amplitude"))
        let out = try mapper.map(["event_type": "session_start", "event_time": "2024-07-06 00:00:00", "device_id": "d"])
        guard case .skipped(let why) = try #require(out.rows.first) else { throw FlagTestError("not skipped") }
        #expect(why.contains("session_start"))
    }

    @Test("the checkpoint stores links, and reset forgets them")
    func checkpoint() async throws {
        try withTemporaryDirectory { dir in
            let store = try CheckpointStore(path: dir.file("job.db"))
            try store.reset(fingerprint: "f")
            try store.rememberLinks([Self.a, Self.b, Self.a])
            #expect(try store.linkedPairs() == [Self.a.key, Self.b.key])
            #expect(try store.rememberLink(deviceId: "dev-1", userId: "user-1") == false)
            let reopened = try CheckpointStore(path: dir.file("job.db"))
            #expect(try reopened.linkedPairs().count == 2)
            try reopened.reset(fingerprint: "g")
            #expect(try reopened.linkedPairs().isEmpty)
        }
    }
}
