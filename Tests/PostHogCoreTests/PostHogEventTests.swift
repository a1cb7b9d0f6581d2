import PostHogCore
import Testing

@Suite("PostHogEvent wire format")
struct PostHogEventTests {
    /// The body of `POST /batch/` from posthog-ruby's `spec/posthog/fixtures/wire/event_family.json`,
    /// verbatim from capture-api.md §7.2.
    static let rubyFixture = #"""
        {"api_key":"testsecret","batch":[
         {"distinct_id":"user-123","event":"checkout completed",
          "properties":{"$groups":{"company":"company-123"},"$is_server":true,"$lib":"posthog-ruby","$lib_version":"0.0.0-snapshot",
                        "attempted_at":"2025-01-02T03:04:05.678Z","line_items":[{"quantity":2,"sku":"ruby-book"}],"plan":"enterprise"},
          "timestamp":"2025-01-02T03:04:05.678Z","type":"capture","uuid":"00000000-0000-4000-8000-000000000001"},
         {"$set":{"email":"person@example.test","profile":{"active":true,"role":"admin"}},"distinct_id":"user-123","event":"$identify",
          "properties":{"$is_server":true,"$lib":"posthog-ruby","$lib_version":"0.0.0-snapshot","email":"person@example.test","profile":{"active":true,"role":"admin"}},
          "timestamp":"2025-01-02T03:04:05.678Z","type":"identify","uuid":"00000000-0000-4000-8000-000000000002"},
         {"distinct_id":"user-123","event":"$create_alias",
          "properties":{"$is_server":true,"$lib":"posthog-ruby","$lib_version":"0.0.0-snapshot","alias":"anonymous-456","distinct_id":"user-123"},
          "timestamp":"2025-01-02T03:04:05.678Z","type":"alias","uuid":"00000000-0000-4000-8000-000000000003"},
         {"distinct_id":"user-123","event":"$groupidentify",
          "properties":{"$group_key":"company-123","$group_set":{"name":"Snapshot Industries","settings":{"data_region":"us","seats":42}},
                        "$group_type":"company","$is_server":true,"$lib":"posthog-ruby","$lib_version":"0.0.0-snapshot"},
          "timestamp":"2025-01-02T03:04:05.678Z","uuid":"00000000-0000-4000-8000-000000000004"}]}
        """#

    static let time = Timestamp(iso8601: "2025-01-02T03:04:05.678Z")!

    /// The same four messages, built with our factories from the inputs the Ruby spec used.
    static var ourMessages: [PostHogEvent] {
        [
            .capture(
                "checkout completed", distinctId: "user-123",
                properties: [
                    "attempted_at": "2025-01-02T03:04:05.678Z", "line_items": [["quantity": 2, "sku": "ruby-book"]],
                    "plan": "enterprise",
                ], timestamp: time, uuid: "00000000-0000-4000-8000-000000000001", groups: ["company": "company-123"]),
            .identify(
                distinctId: "user-123", properties: ["email": "person@example.test", "profile": ["active": true, "role": "admin"]],
                timestamp: time, uuid: "00000000-0000-4000-8000-000000000002"),
            .alias(distinctId: "user-123", alias: "anonymous-456", timestamp: time, uuid: "00000000-0000-4000-8000-000000000003"),
            .groupIdentify(
                groupType: "company", groupKey: "company-123",
                properties: ["name": "Snapshot Industries", "settings": ["data_region": "us", "seats": 42]], distinctId: "user-123",
                timestamp: time, uuid: "00000000-0000-4000-8000-000000000004"),
        ]
    }

    /// Drops what differs by design: Ruby's per-event `type`, and the SDK-context properties
    /// (`$lib`, `$lib_version`, `$is_server`) that the client layer, not the factories, adds.
    static func withoutSDKContext(_ event: JSONValue) -> JSONValue {
        guard var object = event.objectValue else { return event }
        object["type"] = nil
        if var properties = object["properties"]?.objectValue {
            for key in ["$lib", "$lib_version", "$is_server"] { properties[key] = nil }
            object["properties"] = .object(properties)
        }
        return .object(object)
    }

    @Test("capture, identify, alias and groupIdentify match posthog-ruby's wire fixture key for key")
    func rubyFixture() throws {
        let fixture = try JSONParser.parse(Self.rubyFixture)
        let theirs = try #require(fixture["batch"]?.arrayValue)
        let ours = Self.ourMessages
        try #require(theirs.count == ours.count)
        for (mine, reference) in zip(ours, theirs) {
            let encoded = try JSONParser.parse(mine.encoded())
            let expected = Self.withoutSDKContext(reference)
            #expect(encoded == expected, "\(mine.event):\n ours   \(encoded)\n theirs \(expected)")
            // Same top-level keys, nothing more (no `offset`, no `type`).
            #expect(Set(encoded.objectValue?.keys ?? [:].keys) == Set(expected.objectValue?.keys ?? [:].keys))
            #expect(mine.jsonValue == encoded, "jsonValue agrees with the encoder")
        }
    }

    @Test("capture: groups become properties.$groups, merged with a $groups the caller set")
    func captureGroups() throws {
        let event = PostHogEvent.capture(
            "signed up", distinctId: "u1", properties: ["$groups": ["team": "t1"], "plan": "pro"],
            groups: ["company": "acme", "team": "t2"])
        #expect(event.properties["$groups"] == ["team": "t2", "company": "acme"])
        #expect(event.properties["plan"] == "pro")
        let plain = PostHogEvent.capture("x", distinctId: "u1", groups: [:])
        #expect(plain.properties["$groups"] == nil, "no empty $groups")
        let json = try JSONParser.parse(event.encoded())
        #expect(json["event"] == "signed up")
        #expect(json["distinct_id"] == "u1")
        #expect(json["timestamp"] == nil, "no timestamp unless given: the server uses its own time")
    }

    @Test("identify: $set at the top level and mirrored in properties; setOnce as top-level $set_once")
    func identify() throws {
        let event = PostHogEvent.identify(distinctId: "u1", properties: ["email": "a@b.c"], setOnce: ["first_seen": "2025-01-01"])
        let json = try JSONParser.parse(event.encoded())
        #expect(json["event"] == "$identify")
        #expect(json["$set"] == ["email": "a@b.c"])
        #expect(json["properties"]?["email"] == "a@b.c")
        #expect(json["$set_once"] == ["first_seen": "2025-01-01"])
        #expect(json["properties"]?["$set_once"] == nil)
    }

    @Test("alias: properties.alias and properties.distinct_id, top-level distinct_id is the person")
    func alias() throws {
        let json = try JSONParser.parse(PostHogEvent.alias(distinctId: "user-1", alias: "anon-9").encoded())
        #expect(json["event"] == "$create_alias")
        #expect(json["distinct_id"] == "user-1")
        #expect(json["properties"] == ["alias": "anon-9", "distinct_id": "user-1"])
    }

    @Test("groupIdentify: $group_type, $group_key, $group_set; distinct id defaults to $<type>_<key>")
    func groupIdentify() throws {
        let json = try JSONParser.parse(
            PostHogEvent.groupIdentify(groupType: "company", groupKey: "company-123", properties: ["name": "Acme"]).encoded())
        #expect(json["event"] == "$groupidentify")
        #expect(json["distinct_id"] == "$company_company-123")
        #expect(json["properties"] == ["$group_type": "company", "$group_key": "company-123", "$group_set": ["name": "Acme"]])
        let empty = PostHogEvent.groupIdentify(groupType: "team", groupKey: "t1")
        #expect(empty.properties["$group_set"] == [:])
    }

    @Test("pageview: $pageview with properties.$current_url, which wins over a caller's")
    func pageview() throws {
        let event = PostHogEvent.pageview(
            distinctId: "u1", url: "https://example.com/a/b?c=1", properties: ["$current_url": "old", "title": "Home"])
        let json = try JSONParser.parse(event.encoded())
        #expect(json["event"] == "$pageview")
        #expect(json["properties"] == ["$current_url": "https://example.com/a/b?c=1", "title": "Home"])
        #expect(String(decoding: event.encoded(), as: UTF8.self).contains(#""https://example.com/a/b?c=1""#), "no escaped slashes")
    }

    @Test("$set and $set_once passthrough: top-level fields and ones inside properties are sent as given")
    func setPassthrough() throws {
        let event = PostHogEvent(
            event: "$set", distinctId: "u1", properties: ["$set": ["inner": 1], "$set_once": ["o": true]], set: ["name": "Max"],
            setOnce: ["first": "x"])
        let json = try JSONParser.parse(event.encoded())
        #expect(json["$set"] == ["name": "Max"])
        #expect(json["$set_once"] == ["first": "x"])
        #expect(json["properties"]?["$set"] == ["inner": 1])
        #expect(json["properties"]?["$set_once"] == ["o": true])
        let bare = try JSONParser.parse(PostHogEvent(event: "e", distinctId: "u").encoded())
        #expect(bare["$set"] == nil)
        #expect(bare["$set_once"] == nil)
    }

    @Test("uuid: a new lowercase v7 by default, carrying the event time")
    func defaultUUID() throws {
        let time = try #require(Timestamp(iso8601: "2025-01-02T03:04:05.678Z"))
        let event = PostHogEvent(event: "e", distinctId: "u", timestamp: time)
        #expect(EventUUID.isValid(event.uuid))
        #expect(event.uuid == event.uuid.lowercased())
        #expect(Array(event.uuid)[14] == "7", "version 7: \(event.uuid)")
        #expect(event.uuid.hasPrefix("019424f8-632e-"), "time-ordered from the event's timestamp: \(event.uuid)")
        let other = PostHogEvent(event: "e", distinctId: "u", timestamp: time)
        #expect(other.uuid != event.uuid)
        let undated = PostHogEvent(event: "e", distinctId: "u")
        #expect(EventUUID.isValid(undated.uuid))
    }

    @Test("uuid: a valid given one is kept (lowercased), an invalid one replaced by a v7")
    func givenUUID() {
        #expect(PostHogEvent(event: "e", distinctId: "u", uuid: "0189D5B2-3C4E-7A1B-9C2D-3E4F5A6B7C8D").uuid == "0189d5b2-3c4e-7a1b-9c2d-3e4f5a6b7c8d")
        for bad in ["not-a-uuid", "", "0189d5b2-3c4e-7a1b-9c2d-3e4f5a6b7c8", "0189d5b2-3c4e-7a1b-9c2d-3e4f5a6b7c8x"] {
            let event = PostHogEvent(event: "e", distinctId: "u", uuid: bad)
            #expect(EventUUID.isValid(event.uuid), "\(bad)")
            #expect(event.uuid != bad)
            #expect(Array(event.uuid)[14] == "7")
        }
    }

    @Test("Encoding: timestamps in ISO-8601 UTC with ms or µs; escapes; never an offset key")
    func encoding() throws {
        let event = PostHogEvent(
            event: "quote \" and \\ and\nnewline", distinctId: "ü/1", properties: ["n": 1, "d": 1.0, "nan": .double(.nan)],
            timestamp: Timestamp(microseconds: 1_735_787_045_678_901), uuid: "00000000-0000-4000-8000-000000000009")
        let json = try JSONParser.parse(event.encoded())
        #expect(json["event"] == "quote \" and \\ and\nnewline")
        #expect(json["distinct_id"] == "ü/1")
        #expect(json["timestamp"] == "2025-01-02T03:04:05.678901Z")
        #expect(json["uuid"] == "00000000-0000-4000-8000-000000000009")
        #expect(json["properties"] == ["n": .int(1), "d": .double(1), "nan": .null])
        #expect(json["offset"] == nil)
        #expect(Set(json.objectValue?.keys ?? [:].keys) == ["event", "distinct_id", "properties", "timestamp", "uuid"])
        // Sorted output is byte-stable.
        #expect(event.encoded(sortedKeys: true) == event.encoded(sortedKeys: true))
        #expect(String(decoding: event.encoded(sortedKeys: true), as: UTF8.self).hasPrefix(#"{"event":"#))
        #expect(PostHogEvent.maximumEncodedSize == 1_000_000)
    }
}
