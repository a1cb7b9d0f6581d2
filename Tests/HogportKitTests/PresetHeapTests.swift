import Foundation
import HogportKit
import PostHogKit
import PostHogCore
import Testing
import TestSupport

/// The heap preset on table unloads (samples/presets/heap).
@Suite("Preset: heap")
struct PresetHeapTests {
    static let directory = PresetSamples.path("heap")
    static func sample(_ name: String) -> String { directory + "/" + name }

    /// `text` written as `name` in a fresh directory and mapped through `preset`.
    static func map(_ name: String, _ text: String, preset: Preset? = nil) throws -> [PresetSamples.Mapped] {
        try withTemporaryDirectory { dir in
            try PresetSamples.map([dir.write(name, text)], preset: preset ?? Presets.preset(named: "heap"))
        }
    }

    static func heap(table: String) throws -> Preset {
        try Presets.configure(Presets.preset(named: "heap"), heapTable: table)
    }

    @Test("table names from file names: extensions and shard suffixes off, event tables kept whole")
    func tableNames() {
        #expect(HeapTable(fileName: "dir/all_events.csv") == .allEvents)
        #expect(HeapTable(fileName: "all_events_0000_part_00") == .allEvents)
        #expect(HeapTable(fileName: "users0000_part_00.gz") == .users)
        #expect(HeapTable(fileName: "/x/users-000000000001.json.gz") == .users)
        #expect(HeapTable(fileName: "user_migrations_0_0_0.csv.gz") == .userMigrations)
        #expect(HeapTable(fileName: "sessions.ndjson") == .sessions)
        #expect(HeapTable(fileName: "main_production_step_2.csv") == .events("main_production_step_2"))
        #expect(HeapTable(fileName: "-") == nil)
        #expect(HeapTable(name: "USERS") == .users)
        #expect(HeapTable(name: "") == nil)
    }

    @Test("all_events (CSV): type as the name, pageview -> $pageview, ' UTC' times, columns renamed, the rest kept, ids as text")
    func allEvents() throws {
        let rows = try PresetSamples.map([Self.sample("all_events_0000_part_00.csv")], preset: "heap")
        #expect(rows.allSatisfy { $0.error == nil }, "\(rows.compactMap(\.error))")
        #expect(rows.flatMap(\.messages).map(\.event.event) == ["$pageview", "click", "submit"])
        let view = rows[0].messages[0].event
        #expect(view.distinctId == "2008543124107353")
        #expect(view.timestamp == .utc(2023, 1, 15, 12, 34, 56, us: 789_000))
        #expect(
            view.properties == [
                "event_id": "5830215720235718", "session_id": "6127384561234567", "$pathname": "/pricing", "$title": "Pricing",
                "domain": "example.com", "landing_page": "https://example.com/", "$referrer": "https://google.com/", "$browser": "Chrome",
                "$device_type": "Desktop", "platform": "Web", "$geoip_country_name": "United States", "$geoip_subdivision_1_name": "Texas",
                "$geoip_city_name": "Austin", "$ip": "203.0.113.7", "library": "web", "utm_source": "google", "utm_medium": "cpc",
                "utm_campaign": "winter_sale", "utm_term": "analytics", "utm_content": "ad_a",
            ])
        let click = rows[1].messages[0].event
        #expect(click.timestamp == .utc(2023, 1, 15, 12, 35, 10, us: 1))
        #expect(click.properties["$referrer"] == nil && click.properties["utm_source"] == nil, "empty cells are left out")
        let submit = rows[2].messages[0].event
        #expect(submit.distinctId == "1234567890123456789", "an INT64 user id exact")
        #expect(submit.properties["event_id"] == "9223372036854775000")
        #expect(submit.properties["plan_tier"] == "team, large")
        #expect(submit.timestamp == .utc(2023, 1, 16, 8, 0, 0, us: 500_000))
    }

    @Test("a per-event table (NDJSON) names its events; ids as strings or numbers give the same text")
    func eventTable() throws {
        let rows = try PresetSamples.map([Self.sample("main_production_signed_up.jsonl")], preset: "heap")
        let events = rows.flatMap(\.messages).map(\.event)
        #expect(events.map(\.event) == ["main_production_signed_up", "main_production_signed_up"])
        #expect(events.map(\.distinctId) == ["2008543124107353", "1234567890123456789"])
        #expect(events[1].properties["event_id"] == "7000000000000000002")
        #expect(events[1].properties["session_id"] == "6127384561234999")
        #expect(events[0].properties["form_variant"] == "b")
        #expect(events[0].properties["$referrer"] == nil && events[1].properties["$referrer"] == nil, "null and empty left out")
        #expect(events[0].timestamp == .utc(2023, 1, 15, 12, 40, 0))
        #expect(events[1].timestamp == .utc(2023, 1, 16, 8, 1, 30, us: 250_000))
        let pageviews = try Self.map("pageviews.csv", "event_id,user_id,time,path\n11,22,2023-02-01 00:00:00,/\n")
        #expect(pageviews.first?.messages.first?.event.event == "$pageview")
    }

    @Test("users: $identify of the identity merging user_id, $set of the rest (epoch-ms dates as ISO, Invalid date out); anonymous: $set")
    func users() throws {
        let rows = try PresetSamples.map([Self.sample("users.csv")], preset: "heap")
        #expect(rows.allSatisfy { $0.error == nil }, "\(rows.compactMap(\.error))")
        let identify = try #require(rows[0].messages.first)
        #expect(identify.kind == .identify)
        #expect(identify.event.event == "$identify")
        #expect(identify.event.distinctId == "alice@example.com")
        #expect(identify.event.properties == ["$anon_distinct_id": "2008543124107353"])
        #expect(identify.event.timestamp == .utc(2023, 1, 20, 9, 0, 0), "last_modified first")
        #expect(
            identify.event.set == [
                "joindate": .string(Timestamp(microseconds: 1_673_786_096_789_000).iso8601), "last_modified": "2023-01-20 09:00:00",
                "identity_time": "2023-01-15 12:40:00.000000", "initial_referrer": "https://google.com/", "initial_utm_source": "google",
                "email": "alice@example.com", "plan": "pro",
            ])
        let anonymous = try #require(rows[1].messages.first)
        #expect(anonymous.kind == .set)
        #expect(anonymous.event.distinctId == "1234567890123456789")
        let lastModified = Timestamp(microseconds: 1_673_856_000_000_000)
        #expect(anonymous.event.set == ["last_modified": .string(lastModified.iso8601), "plan": "free"])
        #expect(anonymous.event.timestamp == lastModified)
        #expect(rows[2].messages.isEmpty && rows[2].skipped.count == 1, "an anonymous user with nothing to set")
    }

    @Test("user_migrations: $create_alias, distinct_id to_user_id, alias from_user_id, as text")
    func migrations() throws {
        let rows = try PresetSamples.map([Self.sample("user_migrations.jsonl")], preset: "heap")
        let aliases = rows.flatMap(\.messages)
        #expect(aliases.map(\.kind) == [.alias, .alias])
        #expect(aliases.map(\.event.distinctId) == ["2008543124107353", "2008543124107353"])
        #expect(aliases.map { $0.event.properties["alias"] } == ["1234567890123456789", "3300000000000000003"])
        #expect(aliases[0].event.timestamp == .utc(2023, 1, 17, 10, 0, 0))
        #expect(aliases[1].event.timestamp == .utc(2023, 1, 18, 11, 30, 0))
    }

    @Test("--heap-table names the table of files whose names do not; columns decide otherwise; sessions are skipped")
    func explicitTable() throws {
        let untyped = "event_id,user_id,time\n5,6,2023-02-01 00:00:00\n"
        let unnamed = try Self.map("data_0_0_0.csv", untyped)
        #expect(unnamed[0].messages.first?.event.event == "data", "Snowflake's suffix off, the rest is the name")
        let stdinLike = try Self.map("data_0_0_0.csv", untyped, preset: Self.heap(table: "all_events"))
        #expect(stdinLike[0].error?.contains("--heap-table") == true, "\(stdinLike[0])")
        let named = try Self.map("data_0_0_0.csv", untyped, preset: Self.heap(table: "signed_up"))
        #expect(named[0].messages.first?.event.event == "signed_up")
        let users = try Self.map("export.csv", "user_id,identity,last_modified\n7,bob@example.com,1673856000000\n")
        #expect(users[0].messages.first?.kind == .identify, "user columns without event_id are a user")
        let migration = try Self.map("export.jsonl", #"{"from_user_id":"1","to_user_id":"2","time":"2023-02-01 00:00:00"}"# + "\n")
        #expect(migration[0].messages.first?.kind == .alias)
        let sessions = try Self.map("sessions.csv", untyped)
        #expect(sessions[0].messages.isEmpty && sessions[0].skipped.first?.contains("sessions") == true)
        #expect(try Self.heap(table: "users").mapping.presetTag != Presets.preset(named: "heap").mapping.presetTag)
        #expect(throws: MappingError.self) { try Presets.configure(Presets.preset(named: "ga4"), heapTable: "users") }
        #expect(throws: MappingError.self) { try Self.heap(table: "") }
    }

    @Test("uuids: from event_id (and the name), the same on every run, distinct per row; the tables in any order")
    func uuids() throws {
        let files = ["all_events_0000_part_00.csv", "main_production_signed_up.jsonl", "users.csv", "user_migrations.jsonl"].map(Self.sample)
        let first = try PresetSamples.messages(files, preset: "heap").map(\.event.uuid)
        #expect(try PresetSamples.messages(files, preset: "heap").map(\.event.uuid) == first)
        #expect(Set(first).count == first.count)
        let reversed = try PresetSamples.messages(files.reversed(), preset: "heap").map(\.event.uuid)
        #expect(Set(reversed) == Set(first), "no table needs another")
        let same = try Self.map(
            "all_events.csv",
            "event_id,user_id,time,type,path\n5,6,2023-02-01 00:00:00,click,/a\n5,6,2023-02-01 00:00:09,click,/b\n5,6,2023-02-01 00:00:00,submit,/a\n")
        let uuids = same.map { $0.messages.first?.event.uuid }
        #expect(uuids[0] == uuids[1], "one event_id, one uuid")
        #expect(uuids[0] != uuids[2])
    }

    @Test("rejects: events without user_id or time, unreadable times, users without user_id, migrations without both ids")
    func rejects() throws {
        let events = try Self.map("all_events.csv", "event_id,user_id,time,type\n1,,2023-02-01 00:00:00,click\n2,6,,click\n3,6,yesterday,click\n")
        #expect(events.map { $0.error != nil } == [true, true, true], "\(events)")
        #expect(events[0].error?.contains("user_id") == true)
        #expect(events[1].error?.contains("time") == true)
        let users = try Self.map("users.csv", "user_id,identity,last_modified\n,bob@example.com,1673856000000\n8,carol@example.com,Invalid date\n")
        #expect(users.map { $0.error != nil } == [true, true])
        #expect(users[1].error?.contains("last_modified") == true, "\(users[1])")
        let migrations = try Self.map("user_migrations.csv", "from_user_id,to_user_id,time\n1,,2023-02-01 00:00:00\n")
        #expect(migrations[0].error?.contains("to_user_id") == true)
    }
}
