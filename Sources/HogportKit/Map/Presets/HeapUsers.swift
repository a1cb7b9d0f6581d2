import PostHogKit
import PostHogCore

/// Heap's `users` and `user_migrations` rows as PostHog person messages.
enum HeapUsers {
    /// Date columns of `users`; epoch milliseconds in them become ISO-8601 text.
    static let dateColumns: Set<String> = ["joindate", "last_modified", "identity_time"]
    /// The columns a user's message time is read from, in order.
    static let timeColumns = ["last_modified", "identity_time", "joindate"]

    /// A user with an `identity`: an `$identify` of the identity that merges Heap's `user_id`
    /// (`$anon_distinct_id`) and sets the other columns. Without one: a `$set` on the `user_id`.
    static func user(_ columns: [String: JSONValue]) throws(MappingError) -> ReshapedRow {
        guard let userId = PresetFields.id(columns["user_id"]) else { throw MappingError("a users row without user_id") }
        let identity = PresetFields.id(columns["identity"])
        let set = personProperties(columns)
        if identity == nil && set.isEmpty { return .skipped("an anonymous Heap user without properties") }
        let timestamp = try HeapPreset.time(columns, timeColumns)
        var out: [String: JSONValue] = ["distinct_id": .string(identity ?? userId), "timestamp": .string(timestamp), "$set": .object(set)]
        if let identity {
            out["type"] = "identify"
            out["properties"] = identity == userId ? JSONValue.object([:]) : .object(["$anon_distinct_id": .string(userId)])
        } else {
            out["type"] = "set"
        }
        return ReshapedRow(rows: [out])
    }

    /// A `user_migrations` row: Heap merged `from_user_id` into `to_user_id`; a `$create_alias`
    /// does the same in PostHog.
    static func migration(_ columns: [String: JSONValue]) throws(MappingError) -> ReshapedRow {
        guard let from = PresetFields.id(columns["from_user_id"]), let to = PresetFields.id(columns["to_user_id"]) else {
            throw MappingError("a user_migrations row needs from_user_id and to_user_id")
        }
        guard from != to else { return .skipped("a user migration from a user to itself") }
        return ReshapedRow(rows: [
            [
                "type": "alias", "event": "$create_alias", "distinct_id": .string(to), "alias": .string(from),
                "timestamp": .string(try HeapPreset.time(columns, ["time"])),
                "uuid": .string(SourceID.uuid("heap", "user_migrations", from, to)), "properties": [:],
            ]
        ])
    }

    /// Every column but the ids, without `Invalid date`; dates in epoch milliseconds as ISO-8601.
    static func personProperties(_ columns: [String: JSONValue]) -> [String: JSONValue] {
        var set: [String: JSONValue] = [:]
        for (key, value) in columns where key != "user_id" && key != "identity" && value != .string("Invalid date") {
            set[key] = dateColumns.contains(key) ? isoDate(value) : value
        }
        return set
    }

    /// `value` as ISO-8601 text when it is epoch milliseconds (a number or digits between 10^11
    /// and 10^14); otherwise unchanged.
    static func isoDate(_ value: JSONValue) -> JSONValue {
        let millis: Int64?
        switch value {
        case .int(let i): millis = i
        case .string(let s): millis = Int64(s)
        default: millis = nil
        }
        guard let millis, millis >= 100_000_000_000, millis < 100_000_000_000_000 else { return value }
        return .string(Timestamp(microseconds: millis * 1000).iso8601)
    }
}
