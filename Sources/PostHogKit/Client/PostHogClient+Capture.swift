public import Foundation
public import PostHogCore

extension PostHogClient {
    /// Captures an event. Waits at most ``PostHogConfiguration/captureTimeout`` for room in a full
    /// queue, then drops the event (counted, and reported through `onError`).
    ///
    /// - Parameters:
    ///   - distinctId: the person's id; nil captures a personless event (a fresh id and
    ///     `$process_person_profile: false`, so no person profile is created or updated).
    ///   - event: the event name, such as `movie played`.
    ///   - properties: event properties; `$set` and `$set_once` objects in them update the person.
    ///   - timestamp: when it happened; now by default.
    ///   - uuid: the event's id; a new UUIDv7 by default. An invalid one is replaced.
    ///   - groups: group memberships, such as `["company": "acme"]`.
    ///   - sendFeatureFlags: attach the user's flag values (`$feature/<key>` and
    ///     `$active_feature_flags`), evaluated locally when definitions are loaded, else by asking
    ///     PostHog. It makes the call slower; use it for events that experiments measure.
    /// - Returns: whether the event was queued.
    @discardableResult
    public func capture(
        distinctId: String? = nil,
        event: String,
        properties: [String: JSONValue] = [:],
        timestamp: Date? = nil,
        uuid: String? = nil,
        groups: [String: String]? = nil,
        sendFeatureFlags: SendFeatureFlags = false
    ) async -> Bool {
        guard !configuration.disabled else { return false }
        var properties = properties
        let id = distinctId ?? Self.personless(&properties)
        if sendFeatureFlags.enabled {
            start()
            await featureFlags.waitForFirstLoad()
            let flags = await getAllFlags(
                distinctId: id, groups: groups ?? [:], personProperties: sendFeatureFlags.personProperties,
                groupProperties: sendFeatureFlags.groupProperties,
                onlyEvaluateLocally: sendFeatureFlags.onlyEvaluateLocally ?? (featureFlags.current != nil))
            var active: [JSONValue] = []
            for (key, value) in flags.sorted(by: { $0.key < $1.key }) {
                properties["$feature/\(key)"] = value.jsonValue
                if value.isEnabled { active.append(.string(key)) }
            }
            properties["$active_feature_flags"] = .array(active)
        }
        return await record(
            .capture(event, distinctId: id, properties: properties, timestamp: Timestamp(timestamp ?? Date()), uuid: uuid, groups: groups))
    }

    /// Captures an error as PostHog's `$exception` event (error tracking): its type and
    /// description in `$exception_list`, marked as handled.
    ///
    /// - Parameter distinctId: the user it happened to; nil captures it personless.
    @discardableResult
    public func captureException(_ error: any Error, distinctId: String? = nil, properties: [String: JSONValue] = [:]) async -> Bool {
        var properties = properties
        let exception: JSONValue = [
            "type": .string(String(describing: type(of: error))),
            "value": .string(String(describing: error)),
            "module": .string(String(reflecting: type(of: error)).split(separator: ".").first.map(String.init) ?? ""),
            "mechanism": ["type": "generic", "handled": true, "synthetic": false],
        ]
        properties["$exception_list"] = [exception]
        if properties["$exception_level"] == nil { properties["$exception_level"] = "error" }
        return await capture(distinctId: distinctId, event: "$exception", properties: properties)
    }

    /// A fresh distinct id for a personless event, marking `properties` so PostHog keeps no profile.
    static func personless(_ properties: inout [String: JSONValue]) -> String {
        if properties["$process_person_profile"] == nil { properties["$process_person_profile"] = false }
        return EventUUID.v7()
    }

    /// Queues a message built by the calls below, waiting at most the capture timeout.
    func record(_ event: PostHogEvent) async -> Bool {
        await submit(event, maxWait: configuration.captureTimeout)
    }

    /// Sets person properties with an `$identify` event.
    @discardableResult
    public func identify(distinctId: String, properties: [String: JSONValue] = [:], setOnce: [String: JSONValue]? = nil, timestamp: Date? = nil) async -> Bool {
        await record(.identify(distinctId: distinctId, properties: properties, setOnce: setOnce, timestamp: Timestamp(timestamp ?? Date())))
    }

    /// Links `alias` (another distinct id of the same user) to `distinctId`.
    @discardableResult
    public func alias(distinctId: String, alias: String, timestamp: Date? = nil) async -> Bool {
        await record(.alias(distinctId: distinctId, alias: alias, timestamp: Timestamp(timestamp ?? Date())))
    }

    /// Sets a group's properties with a `$groupidentify` event.
    ///
    /// - Parameter distinctId: defaults to `$<groupType>_<groupKey>`.
    @discardableResult
    public func groupIdentify(
        groupType: String, groupKey: String, properties: [String: JSONValue] = [:], distinctId: String? = nil, timestamp: Date? = nil
    ) async -> Bool {
        await record(
            .groupIdentify(
                groupType: groupType, groupKey: groupKey, properties: properties, distinctId: distinctId,
                timestamp: Timestamp(timestamp ?? Date())))
    }

    /// Captures a `$pageview` of `url`.
    @discardableResult
    public func pageview(distinctId: String, url: String, properties: [String: JSONValue] = [:], timestamp: Date? = nil) async -> Bool {
        await record(.pageview(distinctId: distinctId, url: url, properties: properties, timestamp: Timestamp(timestamp ?? Date())))
    }
}
