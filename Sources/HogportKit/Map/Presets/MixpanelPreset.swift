public import PostHogCore
import PostHogKit

/// Mixpanel's raw export rows (`{"event", "properties": {"time", "distinct_id", "$insert_id", …}}`)
/// as PostHog messages. docs/migrate-mixpanel.md has the full table.
public struct MixpanelPreset: RowReshaper {
    public init() {}

    static let renamedEvents = ["$mp_web_page_view": "$pageview"]

    /// Mixpanel's bookkeeping: how and when Mixpanel received the event, not what happened.
    static let droppedProperties: Set<String> = [
        "time", "distinct_id", "$insert_id", "mp_processing_time_ms", "$mp_api_endpoint", "$mp_api_timestamp_ms",
        "$mp_event_size", "$geo_source", "$import", "$lib_version_major", "$distinct_id_before_identity",
    ]

    /// Mixpanel property names with a PostHog equivalent.
    static let renamedProperties: [(String, String)] = [
        ("$city", "$geoip_city_name"), ("$region", "$geoip_subdivision_1_name"), ("mp_country_code", "$geoip_country_code"),
        ("$model", "$device_model"), ("$manufacturer", "$device_manufacturer"), ("$carrier", "$network_carrier"),
        ("$app_version_string", "$app_version"), ("$app_build_number", "$app_build"), ("current_url_path", "$pathname"),
    ]

    public func reshape(_ row: [String: JSONValue]) throws(MappingError) -> ReshapedRow {
        guard let sourceName = PresetFields.id(row["event"]) else { throw MappingError("missing event name (field 'event')") }
        var properties: [String: JSONValue]
        switch row["properties"] {
        case .object(let o)?: properties = o
        case nil, .null?: throw MappingError("missing properties (a Mixpanel export row keeps time and distinct_id there)")
        case let other?: throw MappingError("properties is a \(other.typeName), not an object")
        }
        guard let time = properties["time"], !time.isNull else { throw MappingError("missing properties.time") }
        let timestamp = try Self.time(time).iso8601
        let distinctId = try Self.distinctId(properties)
        let uuid = PresetFields.id(properties["$insert_id"]).map { SourceID.asUUID($0) ?? SourceID.uuid("mixpanel", sourceName, timestamp, $0) }

        // Without the `$device:` prefix, as the event distinct ids are (see distinctId(_:)).
        let anonId = PresetFields.id(properties["$anon_id"]).map { $0.hasPrefix("$device:") && $0.count > 8 ? String($0.dropFirst(8)) : $0 }
        let identifiedId = PresetFields.id(properties["$identified_id"])
        let aliasTarget = PresetFields.id(properties["alias"])
        let mergeIds = properties["$distinct_ids"]?.arrayValue?.compactMap { PresetFields.id($0) } ?? []
        for key in Self.droppedProperties { properties.removeValue(forKey: key) }
        for (from, to) in Self.renamedProperties { PresetFields.move(&properties, from, to: to) }

        func base(_ event: String, _ distinct: String) -> [String: JSONValue] {
            ["event": .string(event), "distinct_id": .string(distinct), "timestamp": .string(timestamp), "properties": .object(properties)]
        }
        var rows: [[String: JSONValue]] = []
        switch sourceName {
        case "$identify":
            // Mixpanel's $identify merges $anon_id into $identified_id; PostHog's merges $anon_distinct_id.
            properties.removeValue(forKey: "$anon_id")
            properties.removeValue(forKey: "$identified_id")
            if let anonId { properties["$anon_distinct_id"] = .string(anonId) }
            var out = base("$identify", identifiedId ?? distinctId)
            out["type"] = "identify"
            rows.append(out)
        case "$create_alias":
            // Mixpanel: `alias` becomes another name of distinct_id. PostHog: the alias joins distinct_id.
            guard let aliasTarget else { throw MappingError("a $create_alias row needs properties.alias") }
            properties.removeValue(forKey: "alias")
            var out = base("$create_alias", aliasTarget)
            out["type"] = "alias"
            out["alias"] = .string(distinctId)
            rows.append(out)
        case "$merge":
            properties.removeValue(forKey: "$distinct_ids")
            let ids = mergeIds.filter { !$0.isEmpty }
            let target = ids.contains(distinctId) ? distinctId : (ids.first ?? distinctId)
            let others = ids.filter { $0 != target }
            guard !others.isEmpty else { throw MappingError("a $merge row needs properties.$distinct_ids with two ids") }
            for other in others {
                var out = base("$create_alias", target)
                out["type"] = "alias"
                out["alias"] = .string(other)
                rows.append(out)
            }
        default:
            rows.append(base(Self.renamedEvents[sourceName] ?? sourceName, distinctId))
        }
        // The first row carries the source's id; extra rows of a $merge get ids from their content.
        if let uuid { rows[0]["uuid"] = .string(uuid) }
        let links = DeviceLink.between(device: PresetFields.id(properties["$device_id"]), user: PresetFields.id(properties["$user_id"]), at: timestamp)
        return ReshapedRow(rows: rows, links: links)
    }

    /// `time` in seconds, or milliseconds when above 10^10 (as Mixpanel's /import reads it).
    static func time(_ value: JSONValue) throws(MappingError) -> Timestamp {
        let number: Double?
        switch value {
        case .int(let i): number = Double(i)
        case .double(let d): number = d
        case .string(let s): number = Double(s)
        default: number = nil
        }
        guard let number else { return try PresetFields.parse(value) }
        return try (number > 10_000_000_000 ? TimestampFormat.epochMilliseconds : .epochSeconds).parse(.double(number))
    }

    /// `distinct_id`, except that an anonymous-looking one (empty, `$device:…`, or only capitals,
    /// digits and dashes) gives way to `$distinct_id_before_identity`; then an empty or `$device:`
    /// id falls back to `$device_id`, or the id after `$device:`.
    static func distinctId(_ properties: [String: JSONValue]) throws(MappingError) -> String {
        let raw = PresetFields.id(properties["distinct_id"]) ?? ""
        let isDevice = raw.hasPrefix("$device:")
        let looksAnonymous = raw.isEmpty || isDevice || raw.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        if looksAnonymous, let before = PresetFields.id(properties["$distinct_id_before_identity"]) { return before }
        if !raw.isEmpty && !isDevice { return raw }
        if let device = PresetFields.id(properties["$device_id"]) { return device }
        if isDevice, raw.count > 8 { return String(raw.dropFirst(8)) }
        throw MappingError("missing distinct_id (properties.distinct_id, $distinct_id_before_identity and $device_id are all empty)")
    }
}
