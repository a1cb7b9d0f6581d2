extension PostHogEvent {
    /// A captured event.
    ///
    /// - Parameters:
    ///   - groups: group memberships, sent as `properties.$groups` (`["company": "acme"]`).
    public static func capture(
        _ event: String,
        distinctId: String,
        properties: [String: JSONValue] = [:],
        timestamp: Timestamp? = nil,
        uuid: String? = nil,
        groups: [String: String]? = nil
    ) -> PostHogEvent {
        var properties = properties
        if let groups, !groups.isEmpty {
            var merged = properties["$groups"]?.objectValue ?? [:]
            for (type, key) in groups { merged[type] = .string(key) }
            properties["$groups"] = .object(merged)
        }
        return PostHogEvent(event: event, distinctId: distinctId, properties: properties, timestamp: timestamp, uuid: uuid)
    }

    /// An `$identify` event that sets person properties (top-level `$set`, mirrored in properties).
    public static func identify(
        distinctId: String,
        properties: [String: JSONValue] = [:],
        setOnce: [String: JSONValue]? = nil,
        timestamp: Timestamp? = nil,
        uuid: String? = nil
    ) -> PostHogEvent {
        PostHogEvent(
            event: "$identify", distinctId: distinctId, properties: properties, timestamp: timestamp, uuid: uuid,
            set: properties, setOnce: setOnce)
    }

    /// A `$create_alias` event that merges `alias` into the person identified by `distinctId`.
    public static func alias(distinctId: String, alias: String, timestamp: Timestamp? = nil, uuid: String? = nil) -> PostHogEvent {
        PostHogEvent(
            event: "$create_alias", distinctId: distinctId,
            properties: ["alias": .string(alias), "distinct_id": .string(distinctId)], timestamp: timestamp, uuid: uuid)
    }

    /// A `$groupidentify` event that sets a group's properties.
    ///
    /// - Parameter distinctId: defaults to `$<groupType>_<groupKey>`.
    public static func groupIdentify(
        groupType: String,
        groupKey: String,
        properties: [String: JSONValue] = [:],
        distinctId: String? = nil,
        timestamp: Timestamp? = nil,
        uuid: String? = nil
    ) -> PostHogEvent {
        PostHogEvent(
            event: "$groupidentify", distinctId: distinctId ?? "$\(groupType)_\(groupKey)",
            properties: [
                "$group_type": .string(groupType), "$group_key": .string(groupKey), "$group_set": .object(properties),
            ], timestamp: timestamp, uuid: uuid)
    }

    /// A `$pageview` event for `url`.
    public static func pageview(
        distinctId: String,
        url: String,
        properties: [String: JSONValue] = [:],
        timestamp: Timestamp? = nil,
        uuid: String? = nil
    ) -> PostHogEvent {
        var properties = properties
        properties["$current_url"] = .string(url)
        return PostHogEvent(event: "$pageview", distinctId: distinctId, properties: properties, timestamp: timestamp, uuid: uuid)
    }
}
