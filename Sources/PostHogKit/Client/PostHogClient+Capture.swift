public import Foundation

extension PostHogClient {
    /// Captures an event.
    ///
    /// - Parameters:
    ///   - distinctId: the person's id.
    ///   - event: the event name, such as `movie played`.
    ///   - properties: event properties; `$set` and `$set_once` objects in them update the person.
    ///   - timestamp: when it happened; now by default.
    ///   - uuid: the event's id; a new UUIDv7 by default. An invalid one is replaced.
    ///   - groups: group memberships, such as `["company": "acme"]`.
    ///   - sendFeatureFlags: attach the user's flag values (`$feature/<key>` and
    ///     `$active_feature_flags`), evaluated locally when definitions are loaded, else by asking
    ///     PostHog. It makes the call slower; use it for events that experiments measure.
    /// - Returns: whether the event was queued (see ``enqueue(_:)``).
    @discardableResult
    public func capture(
        distinctId: String,
        event: String,
        properties: [String: JSONValue] = [:],
        timestamp: Date? = nil,
        uuid: String? = nil,
        groups: [String: String]? = nil,
        sendFeatureFlags: Bool = false
    ) async -> Bool {
        var properties = properties
        if sendFeatureFlags {
            await featureFlags.waitForFirstLoad()
            let flags = await getAllFlags(distinctId: distinctId, groups: groups ?? [:], onlyEvaluateLocally: featureFlags.current != nil)
            var active: [JSONValue] = []
            for (key, value) in flags.sorted(by: { $0.key < $1.key }) {
                properties["$feature/\(key)"] = value.jsonValue
                if value.isEnabled { active.append(.string(key)) }
            }
            properties["$active_feature_flags"] = .array(active)
        }
        return await enqueue(
            .capture(
                event, distinctId: distinctId, properties: properties, timestamp: Timestamp(timestamp ?? Date()), uuid: uuid,
                groups: groups))
    }

    /// Sets person properties with an `$identify` event.
    @discardableResult
    public func identify(distinctId: String, properties: [String: JSONValue] = [:], setOnce: [String: JSONValue]? = nil, timestamp: Date? = nil) async -> Bool {
        await enqueue(.identify(distinctId: distinctId, properties: properties, setOnce: setOnce, timestamp: Timestamp(timestamp ?? Date())))
    }

    /// Links `alias` (another distinct id of the same user) to `distinctId`.
    @discardableResult
    public func alias(distinctId: String, alias: String, timestamp: Date? = nil) async -> Bool {
        await enqueue(.alias(distinctId: distinctId, alias: alias, timestamp: Timestamp(timestamp ?? Date())))
    }

    /// Sets a group's properties with a `$groupidentify` event.
    ///
    /// - Parameter distinctId: defaults to `$<groupType>_<groupKey>`.
    @discardableResult
    public func groupIdentify(
        groupType: String, groupKey: String, properties: [String: JSONValue] = [:], distinctId: String? = nil, timestamp: Date? = nil
    ) async -> Bool {
        await enqueue(
            .groupIdentify(
                groupType: groupType, groupKey: groupKey, properties: properties, distinctId: distinctId,
                timestamp: Timestamp(timestamp ?? Date())))
    }

    /// Captures a `$pageview` of `url`.
    @discardableResult
    public func pageview(distinctId: String, url: String, properties: [String: JSONValue] = [:], timestamp: Date? = nil) async -> Bool {
        await enqueue(.pageview(distinctId: distinctId, url: url, properties: properties, timestamp: Timestamp(timestamp ?? Date())))
    }
}
