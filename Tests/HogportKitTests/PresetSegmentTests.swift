import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// The segment preset on archived calls (Tests/Fixtures/formats and samples/presets).
@Suite("Preset: segment")
struct PresetSegmentTests {
    static let anonymous = "507f191e810c19729de860ea"
    static let user = "97980cfea0067"

    func sample() throws -> [PresetSamples.Mapped] {
        try PresetSamples.map([PresetSamples.path("segment-archive.ndjson.gz")], preset: "segment")
    }

    @Test("the shared archive: identify (after its device link), track, alias")
    func sharedArchive() throws {
        let m = try PresetSamples.messages([PresetSamples.vendor("segment-archive.ndjson.gz")], preset: "segment")
        #expect(m.map(\.event.event) == ["$create_alias", "$identify", "Item Purchased", "$create_alias"])
        #expect(m.map(\.kind) == [.alias, .identify, .capture, .alias])
    }

    @Test("identify: userId, traits as $set, $anon_distinct_id, context ip and library, timestamp, messageId")
    func identify() throws {
        let identify = try #require(sample()[0].messages.last).event
        #expect(identify.distinctId == Self.user)
        #expect(identify.set == ["email": "peter@example.com", "plan": "pro"])
        #expect(identify.properties["$anon_distinct_id"] == .string(Self.anonymous))
        #expect(identify.properties["$ip"] == "8.8.8.8")
        #expect(identify.properties["$lib"] == "analytics.js")
        #expect(identify.properties["$lib_version"] == "2.11.1")
        #expect(identify.timestamp == .utc(2015, 12, 10, 4, 8, 31, us: 905_000))
        #expect(identify.uuid == "022bb90c-bbac-11e4-8dfc-aa07a5b093db")
    }

    @Test("track keeps its name and properties; context.page.url is $current_url; alias is previousId -> userId")
    func trackAndAlias() throws {
        let rows = try sample()
        let track = rows[1].messages[0].event
        #expect(track.event == "Item Purchased")
        #expect(track.properties["revenue"] == .double(14.99))
        #expect(track.properties["$current_url"] == "https://example.com/checkout")
        #expect(track.properties["segment_context"] == nil)
        let alias = rows[2].messages[0].event
        #expect(alias.event == "$create_alias")
        #expect(alias.distinctId == Self.user)
        #expect(alias.properties["alias"] == .string(Self.anonymous))
    }

    @Test("page -> $pageview, screen -> $screen, group -> $groupidentify")
    func pageScreenGroup() throws {
        let rows = try sample()
        #expect(rows.allSatisfy { $0.error == nil }, "\(rows.compactMap(\.error))")
        let page = rows[3].messages[0].event
        #expect(page.event == "$pageview")
        #expect(page.properties["$current_url"] == "https://example.com/pricing")
        #expect(page.properties["$pathname"] == "/pricing")
        #expect(page.properties["$title"] == "Pricing")
        #expect(page.properties["name"] == "Pricing")
        #expect(page.properties["utm_source"] == "newsletter")
        #expect(page.properties["$raw_user_agent"] == "Mozilla/5.0")
        #expect(page.properties["$locale"] == "en-US")
        // A messageId that is not a UUID gives a stable v5.
        #expect(EventUUID.isValid(page.uuid))
        let screen = rows[4].messages[0].event
        #expect(screen.event == "$screen")
        #expect(screen.properties["$screen_name"] == "Settings")
        #expect(screen.properties["$os"] == "iOS")
        #expect(screen.properties["$device_model"] == "iPhone15,2")
        #expect(screen.properties["$app_version"] == "3.1.0")
        #expect(screen.timestamp == .utc(2015, 12, 10, 4, 11, 0))
        let group = rows[5].messages[0]
        #expect(group.kind == .groupIdentify)
        #expect(group.event.properties["$group_type"] == "company")
        #expect(group.event.properties["$group_key"] == "acme-inc")
        #expect(group.event.properties["$group_set"] == ["name": "Acme Inc", "employees": 120])
    }

    @Test("an unpadded date is read; anonymousId is the distinct id without a userId")
    func lenientDate() throws {
        let track = try #require(sample().last?.messages.first).event
        #expect(track.distinctId == Self.anonymous)
        #expect(track.timestamp == .utc(2015, 2, 2, 0, 30, 8, us: 276_000))
    }

    @Test("rejects: no ids, unknown type, alias without previousId")
    func rejects() {
        let preset = SegmentPreset()
        #expect(throws: MappingError.self) { try preset.reshape(["type": "track", "event": "x", "timestamp": "2015-12-10T04:08:31Z"]) }
        #expect(throws: MappingError.self) { try preset.reshape(["type": "batch", "userId": "u", "timestamp": "2015-12-10T04:08:31Z"]) }
        #expect(throws: MappingError.self) { try preset.reshape(["type": "alias", "userId": "u", "timestamp": "2015-12-10T04:08:31Z"]) }
        #expect(throws: MappingError.self) { try preset.reshape(["type": "track", "event": "x", "userId": "u"]) }
    }

    @Test("uuids are the same on every run")
    func determinism() throws {
        let a = try sample().flatMap(\.messages).map(\.event.uuid)
        let b = try sample().flatMap(\.messages).map(\.event.uuid)
        #expect(a == b)
        #expect(Set(a).count == a.count)
    }
}
