import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// ImportMapping (the mapping file) and MessageBuilder (rows to PostHog messages).
@Suite("Mapping: ImportMapping and MessageBuilder")
struct MappingTests {
    static let ts = "2024-03-01T10:00:00Z"

    func mapping(_ json: String) throws -> ImportMapping {
        try ImportMapping(json: try JSONParser.parse(json))
    }

    func mappingError(_ json: String) -> String? {
        do {
            _ = try mapping(json)
            return nil
        } catch let error as MappingError {
            return error.reason
        } catch {
            return "\(error)"
        }
    }

    func build(_ row: [String: JSONValue], _ mapping: ImportMapping = ImportMapping()) throws -> ImportMessage {
        switch try MessageBuilder(mapping: mapping).build(row) {
        case .message(let m): return m
        case .skipped(let why): throw FlagTestError("skipped: \(why)")
        }
    }

    func buildError(_ row: [String: JSONValue], _ mapping: ImportMapping = ImportMapping()) -> String? {
        do {
            _ = try MessageBuilder(mapping: mapping).build(row)
            return nil
        } catch {
            return error.reason
        }
    }

    func row(_ extra: [String: JSONValue] = [:], event: String? = "signed up") -> [String: JSONValue] {
        var r: [String: JSONValue] = ["distinct_id": "user-1", "timestamp": .string(Self.ts)]
        if let event { r["event"] = .string(event) }
        for (k, v) in extra { r[k] = v }
        return r
    }

    // MARK: ImportMapping

    @Test("every key of the documented example is read")
    func everyKey() throws {
        let m = try mapping(
            """
            {
              "description": "legacy events",
              "event": "action",
              "distinct_id": ["user_id", "anonymous_id"],
              "timestamp": {"field": "ts", "format": "epoch_ms"},
              "uuid": "event_id",
              "type": "kind",
              "properties": "props",
              "columns": {"zip": "string", "price": "number", "meta": "json", "n": "integer", "ok": "boolean", "x": "auto"},
              "rename_events": {"Page Viewed": "$pageview"},
              "drop_events": ["session_start", "heartbeat"],
              "rename_properties": {"page_url": "$current_url"},
              "drop_properties": ["internal_id"],
              "add_properties": {"source": "legacy-db", "version": 2}
            }
            """)
        #expect(m.event == FieldPath("action"))
        #expect(m.distinctId == [FieldPath("user_id"), FieldPath("anonymous_id")])
        #expect(m.timestamp == FieldPath("ts"))
        #expect(m.timestampFormat == .epochMilliseconds)
        #expect(m.uuid == FieldPath("event_id"))
        #expect(m.type == FieldPath("kind"))
        #expect(m.properties == FieldPath("props"))
        #expect(m.columns == ["zip": .string, "price": .number, "meta": .json, "n": .integer, "ok": .boolean, "x": .auto])
        #expect(m.renameEvents == ["Page Viewed": "$pageview"])
        #expect(m.dropEvents == ["session_start", "heartbeat"])
        #expect(m.renameProperties == ["page_url": "$current_url"])
        #expect(m.dropProperties == ["internal_id"])
        #expect(m.addProperties == ["source": "legacy-db", "version": 2])
    }

    @Test("defaults: an empty mapping is the posthog preset")
    func defaults() throws {
        let m = try mapping("{}")
        #expect(m == ImportMapping())
        #expect(try Presets.mapping(named: "posthog") == m)
        #expect(m.distinctId.map(\.text) == ["distinct_id", "$distinct_id", "properties.distinct_id"])
        #expect(m.timestampFormat == .auto)
        #expect(throws: MappingError.self) { _ = try Presets.mapping(named: "ga3") }
    }

    @Test("short forms: a single distinct_id field, a timestamp field name, a format without a field")
    func shortForms() throws {
        #expect(try mapping(#"{"distinct_id": "uid"}"#).distinctId == [FieldPath("uid")])
        let t = try mapping(#"{"timestamp": "created_at"}"#)
        #expect(t.timestamp == FieldPath("created_at"))
        #expect(t.timestampFormat == .auto)
        let f = try mapping(#"{"timestamp": {"format": "%d/%m/%Y"}}"#)
        #expect(f.timestamp == FieldPath("timestamp"))
        #expect(f.timestampFormat == .pattern("%d/%m/%Y"))
        #expect(try mapping(#"{"drop_events": "one"}"#).dropEvents == ["one"])
    }

    @Test("an unknown key is an error naming it (a typo must not silently do nothing)")
    func unknownKey() throws {
        let reason = try #require(mappingError(#"{"evnt": "action"}"#))
        #expect(reason.contains("unknown key 'evnt'"))
    }

    @Test("an unknown key inside the timestamp object is an error too")
    func unknownTimestampKey() throws {
        // {"fromat": ...} would otherwise leave the format at auto without a word.
        #expect(mappingError(#"{"timestamp": {"field": "ts", "fromat": "epoch_ms"}}"#) != nil)
        #expect(mappingError(#"{"timestamp": {"field": 5}}"#) != nil)
    }

    @Test(
        "bad types are errors",
        arguments: [
            #"[]"#, #""event""#, #"{"event": 5}"#, #"{"event": ""}"#, #"{"uuid": null}"#, #"{"distinct_id": []}"#,
            #"{"distinct_id": ["a", 1]}"#, #"{"timestamp": 5}"#, #"{"timestamp": {"format": "epoch_days"}}"#,
            #"{"columns": {"zip": "zipcode"}}"#, #"{"columns": {"zip": 1}}"#, #"{"columns": ["zip"]}"#,
            #"{"rename_events": {"a": 1}}"#, #"{"rename_events": ["a"]}"#, #"{"drop_events": 5}"#,
            #"{"drop_properties": [true]}"#, #"{"rename_properties": "x"}"#, #"{"add_properties": [1]}"#,
            #"{"add_properties": "x"}"#, #"{"properties": {}}"#, #"{"type": 3}"#,
        ])
    func badTypes(json: String) {
        #expect(mappingError(json) != nil, "\(json)")
    }

    @Test("a mapping file: read from disk; a missing or invalid file is an error naming it")
    func mappingFile() throws {
        try withTemporaryDirectory { dir in
            let path = try dir.write("m.json", #"{"event": "action", "timestamp": {"field": "ts", "format": "epoch_s"}}"#)
            let m = try ImportMapping(contentsOf: path)
            #expect(m.event == FieldPath("action"))
            #expect(m.timestampFormat == .epochSeconds)
            let bad = try dir.write("bad.json", "{not json")
            for path in [bad, dir.file("missing.json")] {
                #expect {
                    _ = try ImportMapping(contentsOf: path)
                } throws: { error in
                    (error as? MappingError)?.reason.contains(path) == true
                }
            }
        }
    }

    @Test("the fingerprint is stable for equal mappings and changes with any key")
    func fingerprint() throws {
        let base = #"{"event": "a", "columns": {"x": "string", "y": "number"}, "add_properties": {"p": 1, "q": 2}}"#
        let same = #"{"add_properties": {"q": 2, "p": 1}, "columns": {"y": "number", "x": "string"}, "event": "a"}"#
        #expect(try mapping(base).fingerprint == mapping(same).fingerprint)
        let variants = [
            #"{"event": "b"}"#, #"{"distinct_id": ["u", "v"]}"#, #"{"distinct_id": ["v", "u"]}"#, #"{"timestamp": "t"}"#,
            #"{"timestamp": {"format": "epoch_ms"}}"#, #"{"uuid": "id"}"#, #"{"type": "k"}"#, #"{"properties": "p"}"#,
            #"{"columns": {"x": "json"}}"#, #"{"rename_events": {"a": "b"}}"#, #"{"drop_events": ["a"]}"#,
            #"{"rename_properties": {"a": "b"}}"#, #"{"drop_properties": ["a"]}"#, #"{"add_properties": {"a": 1}}"#,
            #"{"add_properties": {"a": "1"}}"#,
        ]
        var seen: Set<String> = [try mapping("{}").fingerprint]
        for json in variants {
            #expect(seen.insert(try mapping(json).fingerprint).inserted, "\(json)")
        }
    }

    // MARK: Kinds

    @Test("kinds from reserved event names")
    func kindsFromEventNames() throws {
        let cases: [(String, MessageKind, [String: JSONValue])] = [
            ("signed up", .capture, [:]),
            ("$pageview", .capture, [:]),
            ("$identify", .identify, [:]),
            ("$create_alias", .alias, ["properties": ["alias": "anon-1"]]),
            ("$merge_dangerously", .alias, ["properties": ["alias": "anon-1"]]),
            ("$groupidentify", .groupIdentify, ["properties": ["$group_type": "company", "$group_key": "acme"]]),
            ("$set", .set, ["$set": ["plan": "pro"]]),
            ("$set_once", .setOnce, ["$set_once": ["first": "x"]]),
        ]
        for (event, kind, extra) in cases {
            let m = try build(row(extra, event: event))
            #expect(m.kind == kind, "\(event)")
            #expect(m.event.event == event)
        }
    }

    @Test("kinds from a type field; the event name then defaults to the reserved one")
    func kindsFromType() throws {
        let cases: [(String, MessageKind, String, [String: JSONValue])] = [
            ("identify", .identify, "$identify", [:]),
            ("IDENTIFY", .identify, "$identify", [:]),
            ("alias", .alias, "$create_alias", ["alias": "anon-1"]),
            ("group_identify", .groupIdentify, "$groupidentify", ["group_type": "company", "group_key": "acme"]),
            ("set", .set, "$set", ["$set": ["a": 1]]),
            ("set_once", .setOnce, "$set_once", ["$set_once": ["a": 1]]),
        ]
        for (type, kind, event, extra) in cases {
            var r = row(extra, event: nil)
            r["type"] = .string(type)
            let m = try build(r)
            #expect(m.kind == kind, "\(type)")
            #expect(m.event.event == event, "\(type)")
        }
    }

    @Test("a type overrides the event column's name; capture needs an event name")
    func typeOverridesEvent() throws {
        var r = row(event: "user signed in")
        r["type"] = "identify"
        #expect(try build(r).event.event == "$identify")
        var capture = row(event: nil)
        capture["type"] = "capture"
        #expect(buildError(capture)?.contains("missing event name") == true)
        var unknown = row()
        unknown["type"] = "bogus"
        #expect(buildError(unknown)?.contains("unknown type") == true)
        var mapped = ImportMapping()
        mapped.type = FieldPath("kind")
        var k = row(event: nil)
        k["kind"] = "identify"
        #expect(try build(k, mapped).kind == .identify)
    }

    @Test("alias: needs an alias value; it and distinct_id go to properties")
    func aliasRequirements() throws {
        let fromColumn = try build(row(["alias": "anon-9"], event: "$create_alias"))
        #expect(fromColumn.event.properties["alias"] == "anon-9")
        #expect(fromColumn.event.properties["distinct_id"] == "user-1")
        let fromProperties = try build(row(["properties": ["alias": "anon-8"]], event: "$create_alias"))
        #expect(fromProperties.event.properties["alias"] == "anon-8")
        #expect(buildError(row(event: "$create_alias"))?.contains("alias") == true)
        var typed = row(event: nil)
        typed["type"] = "alias"
        #expect(buildError(typed)?.contains("alias") == true)
    }

    @Test("group_identify: needs group type and key (at most 400 characters); $group_set defaults to {}")
    func groupIdentifyRequirements() throws {
        let m = try build(row(["group_type": "company", "group_key": 42], event: "$groupidentify"))
        #expect(m.event.properties["$group_type"] == "company")
        #expect(m.event.properties["$group_key"] == "42")
        #expect(m.event.properties["$group_set"] == .object([:]))
        let withSet = try build(row(["group_type": "company", "group_key": "acme", "$group_set": ["name": "Acme"]], event: "$groupidentify"))
        #expect(withSet.event.properties["$group_set"] == ["name": "Acme"])
        #expect(buildError(row(["group_type": "company"], event: "$groupidentify"))?.contains("group_key") == true)
        #expect(buildError(row(["group_key": "acme"], event: "$groupidentify"))?.contains("group_type") == true)
        let long = String(repeating: "k", count: 401)
        #expect(buildError(row(["group_type": "company", "group_key": .string(long)], event: "$groupidentify"))?.contains("400") == true)
    }

    @Test("group_identify without a distinct id uses $<type>_<key>, as PostHog's SDKs (and PostHogEvent.groupIdentify) do")
    func groupIdentifyDefaultDistinctId() throws {
        let r: [String: JSONValue] = ["type": "group_identify", "group_type": "company", "group_key": "acme", "timestamp": .string(Self.ts)]
        let m = try build(r)
        #expect(m.event.distinctId == "$company_acme")
    }

    @Test("identify: $set from the row, else from properties.$set; set and set_once need their objects")
    func identifyAndSet() throws {
        let top = try build(row(["$set": ["email": "a@example.com"], "$set_once": ["first": "x"]], event: "$identify"))
        #expect(top.event.set == ["email": "a@example.com"])
        #expect(top.event.setOnce == ["first": "x"])
        let nested = try build(row(["properties": ["$set": ["email": "b@example.com"]]], event: "$identify"))
        #expect(nested.event.set == ["email": "b@example.com"])
        #expect(buildError(row(event: "$set"))?.contains("$set") == true)
        #expect(buildError(row(event: "$set_once"))?.contains("$set_once") == true)
        #expect(buildError(row(["$set": "x"]))?.contains("$set is a string") == true)
        // A capture keeps $set too (PostHog applies it to the person).
        #expect(try build(row(["$set": ["plan": "pro"]])).event.set == ["plan": "pro"])
    }

    // MARK: Events and properties

    @Test("rename and drop events: a dropped row is skipped, not rejected (also after a rename)")
    func renameAndDropEvents() throws {
        let m = try mapping(#"{"rename_events": {"Page Viewed": "$pageview", "Old": "Gone"}, "drop_events": ["heartbeat", "Gone"]}"#)
        #expect(try build(row(event: "Page Viewed"), m).event.event == "$pageview")
        for event in ["heartbeat", "Old"] {
            guard case .skipped(let why) = try MessageBuilder(mapping: m).build(row(event: event)) else {
                Issue.record("\(event) should be skipped")
                continue
            }
            #expect(why.contains("dropped"))
        }
        // Dropping does not need the rest of the row to be valid.
        guard case .skipped = try MessageBuilder(mapping: m).build(["event": "heartbeat"]) else {
            Issue.record("a dropped event with no distinct id should still be skipped")
            return
        }
    }

    @Test("rename, drop and add properties; add never overwrites")
    func editProperties() throws {
        let m = try mapping(
            #"{"rename_properties": {"page_url": "$current_url"}, "drop_properties": ["internal_id"], "add_properties": {"source": "legacy", "plan": "free"}}"#)
        let built = try build(row(["properties": ["page_url": "https://x", "internal_id": 7, "plan": "pro", "keep": true]]), m)
        #expect(built.event.properties == ["$current_url": "https://x", "plan": "pro", "keep": true, "source": "legacy"])
    }

    @Test("distinct id candidates: the first non-empty wins; numbers become text")
    func distinctIdCandidates() throws {
        #expect(try build(["event": "e", "timestamp": .string(Self.ts), "distinct_id": "", "$distinct_id": "d2"]).event.distinctId == "d2")
        #expect(try build(["event": "e", "timestamp": .string(Self.ts), "properties": ["distinct_id": "d3"]]).event.distinctId == "d3")
        #expect(try build(["event": "e", "timestamp": .string(Self.ts), "distinct_id": 42]).event.distinctId == "42")
        #expect(try build(["event": "e", "timestamp": .string(Self.ts), "distinct_id": 1.5]).event.distinctId == "1.5")
        #expect(try build(["event": "e", "timestamp": .string(Self.ts), "distinct_id": .null, "$distinct_id": "d4"]).event.distinctId == "d4")
        let m = try mapping(#"{"distinct_id": ["user_id", "context.anonymous_id"]}"#)
        #expect(try build(["event": "e", "timestamp": .string(Self.ts), "user_id": "u", "context": ["anonymous_id": "a"]], m).event.distinctId == "u")
        #expect(try build(["event": "e", "timestamp": .string(Self.ts), "context": ["anonymous_id": "a"]], m).event.distinctId == "a")
        #expect(buildError(["event": "e", "timestamp": .string(Self.ts), "distinct_id": true])?.contains("missing distinct_id") == true)
        #expect(buildError(["event": "e", "timestamp": .string(Self.ts), "distinct_id": "x"], m)?.contains("user_id") == true)
    }

    @Test("a distinct id longer than 200 characters is rejected; 200 is fine")
    func distinctIdLength() throws {
        #expect(try build(row(["distinct_id": .string(String(repeating: "a", count: 200))])).event.distinctId.count == 200)
        #expect(buildError(row(["distinct_id": .string(String(repeating: "a", count: 201))]))?.contains("200") == true)
    }

    @Test("properties: an object, a JSON string of one, absent or null; anything else is an error")
    func propertiesShapes() throws {
        #expect(try build(row(["properties": .string(#"{"plan":"pro","n":1}"#)])).event.properties == ["plan": "pro", "n": 1])
        #expect(try build(row(["properties": .null])).event.properties == [:])
        #expect(try build(row()).event.properties == [:])
        #expect(buildError(row(["properties": .string("[1]")]))?.contains("not a JSON object") == true)
        #expect(buildError(row(["properties": .string("{bad")])) != nil)
        #expect(buildError(row(["properties": [1, 2]]))?.contains("not an object") == true)
        let m = try mapping(#"{"properties": "context.traits"}"#)
        #expect(try build(row(["context": ["traits": ["a": 1]]]), m).event.properties == ["a": 1])
    }

    @Test("missing or bad event names and timestamps are errors with reasons")
    func missingFields() throws {
        #expect(buildError(row(event: nil))?.contains("missing event name (field 'event')") == true)
        #expect(buildError(row(["event": 5]))?.contains("not a string") == true)
        #expect(buildError(["event": "e", "distinct_id": "u"])?.contains("missing timestamp") == true)
        #expect(buildError(["event": "e", "distinct_id": "u", "timestamp": .null])?.contains("missing timestamp") == true)
        #expect(buildError(["event": "e", "distinct_id": "u", "timestamp": "soon"])?.contains("unparseable") == true)
        let m = try mapping(#"{"timestamp": {"field": "ts", "format": "epoch_ms"}}"#)
        #expect(try build(["event": "e", "distinct_id": "u", "ts": 1_709_287_200_000], m).event.timestamp == Timestamp(year: 2024, month: 3, day: 1, hour: 10))
    }

    // MARK: Uuids

    @Test("a valid source uuid is kept (lowercased); an invalid one is replaced by a derived UUIDv5")
    func sourceUUID() throws {
        let kept = try build(row(["uuid": "0190F1C2-7B3A-7C4D-8E5F-0123456789AB"]))
        #expect(kept.event.uuid == "0190f1c2-7b3a-7c4d-8e5f-0123456789ab")
        #expect(kept.sourceUUID)
        let derivedFromInvalid = try build(row(["uuid": "not-a-uuid"]))
        let derived = try build(row())
        #expect(!derivedFromInvalid.sourceUUID)
        #expect(derivedFromInvalid.event.uuid == derived.event.uuid)
        #expect(EventUUID.isValid(derived.event.uuid))
        // Version 5, RFC 4122 variant.
        let chars = Array(derived.event.uuid)
        #expect(chars[14] == "5")
        #expect("89ab".contains(chars[19]))
        #expect(try build(row(["uuid": 12345])).sourceUUID == false)
        let m = try mapping(#"{"uuid": "meta.id"}"#)
        #expect(try build(row(["meta": ["id": "0190f1c2-7b3a-7c4d-8e5f-0123456789ab"]]), m).event.uuid == "0190f1c2-7b3a-7c4d-8e5f-0123456789ab")
    }

    static let richRow: [String: JSONValue] = [
        "event": "order placed", "distinct_id": "user-77", "timestamp": "2024-03-01T10:00:00.123456Z",
        "properties": [
            "total": 12.5, "items": [["sku": "a", "qty": 1], ["sku": "b", "qty": 2]], "nested": ["z": 1, "a": 2, "m": ["y": true, "b": .null]],
        ],
        "$set": ["email": "a@example.com"], "$set_once": ["first_seen": "2024-01-01"],
    ]

    @Test("derived uuids are deterministic: the same row gives the same uuid (key order does not matter), and a known value")
    func deterministicUUID() throws {
        let a = try build(Self.richRow).event.uuid
        let b = try MessageBuilder().build(Self.richRow)
        guard case .message(let again) = b else { throw FlagTestError("not a message") }
        #expect(a == again.event.uuid)
        // The same content written in another key order.
        let reordered = try build(
            try JSONParser.parse(
                #"{"$set_once":{"first_seen":"2024-01-01"},"properties":{"nested":{"m":{"b":null,"y":true},"a":2,"z":1},"items":[{"qty":1,"sku":"a"},{"qty":2,"sku":"b"}],"total":12.5},"timestamp":"2024-03-01T10:00:00.123456Z","distinct_id":"user-77","event":"order placed","$set":{"email":"a@example.com"}}"#
            ).objectValue ?? [:])
        #expect(reordered.event.uuid == a)
        // The same instant written differently is the same event.
        var otherForm = Self.richRow
        otherForm["timestamp"] = "2024-03-01 11:00:00.123456+01:00"
        #expect(try build(otherForm).event.uuid == a)
        // Pinned: a changed derivation would make a resumed import after an upgrade send new ids
        // (and PostHog would count the re-sent rows twice).
        #expect(a == Self.pinnedUUID)
    }

    static let pinnedUUID = "fad7a6a3-2f9e-52a3-8ac7-fa770488177b"

    @Test(
        "any change to the content gives a different derived uuid",
        arguments: [
            "event", "distinct_id", "timestamp+1us", "property value", "property key", "nested value", "array order", "$set", "$set_once",
            "no $set", "int vs string", "set vs set_once",
        ])
    func uuidChangesWithContent(change: String) throws {
        var r = Self.richRow
        func props(_ edit: (inout [String: JSONValue]) -> Void) {
            var p = r["properties"]?.objectValue ?? [:]
            edit(&p)
            r["properties"] = .object(p)
        }
        switch change {
        case "event": r["event"] = "order placed "
        case "distinct_id": r["distinct_id"] = "user-78"
        case "timestamp+1us": r["timestamp"] = "2024-03-01T10:00:00.123457Z"
        case "property value": props { $0["total"] = 12.51 }
        case "property key": props { $0["Total"] = $0.removeValue(forKey: "total") }
        case "nested value": props { $0["nested"] = ["z": 1, "a": 2, "m": ["y": false, "b": .null]] }
        case "array order": props { $0["items"] = [["sku": "b", "qty": 2], ["sku": "a", "qty": 1]] }
        case "$set": r["$set"] = ["email": "b@example.com"]
        case "$set_once": r["$set_once"] = ["first_seen": "2024-01-02"]
        case "no $set": r.removeValue(forKey: "$set")
        case "int vs string": props { $0["total"] = "12.5" }
        case "set vs set_once":
            r["$set_once"] = r.removeValue(forKey: "$set")
        default: Issue.record("unknown change \(change)")
        }
        #expect(try build(r).event.uuid != build(Self.richRow).event.uuid)
    }
}
