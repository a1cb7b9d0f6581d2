public import PostHogCore
import PostHogKit

/// Segment's archived calls (`track`, `identify`, `alias`, `page`, `screen`, `group`) as PostHog
/// messages. docs/migrate-segment.md has the full table.
public struct SegmentPreset: RowReshaper {
    /// The PostHog group type of `group` calls (Segment's groups have no type).
    public var groupType: String

    public init(groupType: String = "company") {
        self.groupType = groupType
    }

    /// `context` paths with a PostHog property of their own.
    static let contextProperties: [(path: [String], property: String)] = [
        (["ip"], "$ip"), (["userAgent"], "$raw_user_agent"), (["locale"], "$locale"), (["timezone"], "$timezone"),
        (["page", "url"], "$current_url"), (["page", "path"], "$pathname"), (["page", "referrer"], "$referrer"),
        (["page", "title"], "$title"), (["library", "name"], "$lib"), (["library", "version"], "$lib_version"),
        (["os", "name"], "$os"), (["os", "version"], "$os_version"), (["device", "id"], "$device_id"),
        (["device", "model"], "$device_model"), (["device", "manufacturer"], "$device_manufacturer"),
        (["device", "name"], "$device_name"), (["app", "name"], "$app_name"), (["app", "version"], "$app_version"),
        (["app", "build"], "$app_build"), (["app", "namespace"], "$app_namespace"), (["network", "carrier"], "$network_carrier"),
        (["screen", "width"], "$screen_width"), (["screen", "height"], "$screen_height"), (["location", "city"], "$geoip_city_name"),
        (["location", "country"], "$geoip_country_name"), (["location", "region"], "$geoip_subdivision_1_name"),
        (["location", "latitude"], "$geoip_latitude"), (["location", "longitude"], "$geoip_longitude"),
        (["campaign", "source"], "utm_source"), (["campaign", "medium"], "utm_medium"), (["campaign", "name"], "utm_campaign"),
        (["campaign", "term"], "utm_term"), (["campaign", "content"], "utm_content"),
    ]

    public func reshape(_ row: [String: JSONValue]) throws(MappingError) -> ReshapedRow {
        let type = PresetFields.id(row["type"])?.lowercased() ?? (row["event"] != nil ? "track" : "")
        let userId = PresetFields.id(row["userId"])
        let anonymousId = PresetFields.id(row["anonymousId"])
        guard let distinctId = userId ?? anonymousId else { throw MappingError("neither userId nor anonymousId is set") }
        let timestamp = try PresetFields.time(row, ["timestamp", "originalTimestamp", "receivedAt"])

        var properties: [String: JSONValue]
        switch row["properties"] {
        case .object(let o)?: properties = o
        case nil, .null?: properties = [:]
        case let other?: throw MappingError("properties is a \(other.typeName), not an object")
        }
        let context = row["context"]?.objectValue ?? [:]
        let leftover = Self.addContext(context, to: &properties)
        if !leftover.isEmpty { properties["segment_context"] = .object(leftover) }
        if let groupId = PresetFields.id(context["groupId"]) { properties["$groups"] = [groupType: .string(groupId)] }
        let traits = (row["traits"]?.objectValue).flatMap { $0.isEmpty ? nil : $0 }

        var out: [String: JSONValue] = ["distinct_id": .string(distinctId), "timestamp": .string(timestamp)]
        switch type {
        case "track":
            guard let event = PresetFields.id(row["event"]) else { throw MappingError("a track call without an event name") }
            out["event"] = .string(event)
        case "identify":
            out["type"] = "identify"
            if let anonymousId, anonymousId != distinctId { properties["$anon_distinct_id"] = .string(anonymousId) }
            if let traits { out["$set"] = .object(traits) }
        case "alias":
            guard let previousId = PresetFields.id(row["previousId"]) else { throw MappingError("an alias call without previousId") }
            out["type"] = "alias"
            out["alias"] = .string(previousId)
        case "page":
            out["event"] = "$pageview"
            PresetFields.move(&properties, "url", to: "$current_url")
            PresetFields.move(&properties, "path", to: "$pathname")
            PresetFields.move(&properties, "referrer", to: "$referrer")
            PresetFields.move(&properties, "title", to: "$title")
            PresetFields.put(&properties, "name", row["name"])
            PresetFields.put(&properties, "category", row["category"])
        case "screen":
            out["event"] = "$screen"
            PresetFields.put(&properties, "$screen_name", row["name"])
        case "group":
            guard let groupId = PresetFields.id(row["groupId"]) else { throw MappingError("a group call without groupId") }
            out["type"] = "group_identify"
            out["group_type"] = .string(groupType)
            out["group_key"] = .string(groupId)
            out["$group_set"] = .object(traits ?? [:])
        default:
            throw MappingError("unknown Segment call type '\(PresetFields.id(row["type"]) ?? "")' (track, identify, alias, page, screen, group)")
        }
        out["properties"] = .object(properties)
        if let messageId = PresetFields.id(row["messageId"]) {
            out["uuid"] = .string(SourceID.asUUID(messageId) ?? SourceID.uuid("segment", messageId))
        }
        let links = type == "alias" ? [] : DeviceLink.between(device: anonymousId, user: userId, at: timestamp)
        return ReshapedRow(rows: [out], links: links)
    }

    /// Copies the context fields PostHog knows into `properties`; returns the rest of `context`.
    static func addContext(_ context: [String: JSONValue], to properties: inout [String: JSONValue]) -> [String: JSONValue] {
        var rest = context
        rest.removeValue(forKey: "groupId")
        rest.removeValue(forKey: "traits")
        rest.removeValue(forKey: "integrations")
        for (path, property) in contextProperties {
            if path.count == 1 {
                PresetFields.put(&properties, property, context[path[0]])
                rest.removeValue(forKey: path[0])
            } else if case .object(var inner)? = rest[path[0]] {
                PresetFields.put(&properties, property, inner[path[1]])
                inner.removeValue(forKey: path[1])
                if inner.isEmpty { rest.removeValue(forKey: path[0]) } else { rest[path[0]] = .object(inner) }
            }
        }
        return rest
    }
}
