public import PostHogCore
import PostHogKit

/// Amplitude's Export API rows (`event_type`, `event_time`, `user_id`/`device_id`,
/// `event_properties`, `user_properties`, `groups`, …) as PostHog messages. docs/migrate-amplitude.md
/// has the full table.
public struct AmplitudePreset: RowReshaper {
    public init() {}

    /// Amplitude event names with a PostHog meaning.
    static let renamedEvents = ["[Amplitude] Page Viewed": "$pageview"]
    /// Event names that carry nothing to import.
    static let droppedEvents: Set<String> = ["session_start", "session_end"]

    /// Fields that become PostHog's own property names.
    static let renamedFields: [(String, String)] = [
        ("ip_address", "$ip"), ("country", "$geoip_country_name"), ("region", "$geoip_subdivision_1_name"),
        ("city", "$geoip_city_name"), ("dma", "$geoip_metro_code"), ("location_lat", "$geoip_latitude"),
        ("location_lng", "$geoip_longitude"), ("language", "$browser_language"), ("device_model", "$device_model"),
        ("device_manufacturer", "$device_manufacturer"), ("device_brand", "$device_brand"), ("carrier", "$network_carrier"),
        ("device_carrier", "$network_carrier"), ("version_name", "$app_version"), ("library", "amplitude_library"),
    ]
    /// Fields that stay properties under their own names.
    static let keptFields = [
        "device_type", "device_family", "platform", "app", "amplitude_id", "session_id", "event_id", "paying", "start_version",
        "user_creation_time", "adid", "idfa",
    ]
    /// Fields consumed by the mapping, or Amplitude's own bookkeeping: not imported as properties.
    /// (Everything not listed anywhere is kept as a property too.)
    static let consumedFields: Set<String> = [
        "event_type", "event_time", "client_event_time", "server_received_time", "server_upload_time", "client_upload_time",
        "processed_time", "uuid", "$insert_id", "$insert_key", "user_id", "device_id", "event_properties", "user_properties",
        "global_user_properties", "groups", "group_properties", "data", "data_type", "$schema", "sample_rate",
        "amplitude_event_type", "amplitude_attribution_ids", "is_attribution_event", "partner_id", "source_id", "plan",
        "os_name", "os_version",
    ]

    public func reshape(_ row: [String: JSONValue]) throws(MappingError) -> ReshapedRow {
        guard let sourceName = PresetFields.id(row["event_type"]) else { throw MappingError("missing event_type") }
        if Self.droppedEvents.contains(sourceName) { return .skipped("Amplitude '\(sourceName)' events are not imported") }
        let userId = PresetFields.id(row["user_id"])
        let deviceId = PresetFields.id(row["device_id"])
        guard let distinctId = userId ?? deviceId else { throw MappingError("neither user_id nor device_id is set") }
        let timestamp = try PresetFields.time(row, ["event_time", "client_event_time", "server_received_time"])

        var properties = try Self.object(row["event_properties"], "event_properties") ?? [:]
        if sourceName == "[Amplitude] Page Viewed" {
            PresetFields.move(&properties, "[Amplitude] Page URL", to: "$current_url")
            PresetFields.move(&properties, "[Amplitude] Page Path", to: "$pathname")
            PresetFields.move(&properties, "[Amplitude] Page Title", to: "$title")
            PresetFields.move(&properties, "[Amplitude] Page Domain", to: "$host")
        }
        let autocaptureName = AmplitudeAutocapture.apply(name: sourceName, to: &properties)
        if autocaptureName != nil {
            PresetFields.move(&properties, "[Amplitude] Page URL", to: "$current_url")
            PresetFields.move(&properties, "[Amplitude] Page Title", to: "$title")
        }
        addDeviceProperties(row, to: &properties)
        if let deviceId { PresetFields.put(&properties, "$device_id", .string(deviceId)) }
        if let userId { PresetFields.put(&properties, "$user_id", .string(userId)) }

        let (set, setOnce) = try Self.personProperties(row["user_properties"])
        let groups = try Self.groups(row)
        if !groups.isEmpty {
            properties["$groups"] = .object(groups.reduce(into: [:]) { $0[$1.type] = .string($1.key) })
        }

        var rows: [[String: JSONValue]] = []
        let isGroupIdentify = sourceName == "$groupidentify"
        // An `$identify` without a user and without user properties says nothing PostHog can use.
        let emptyIdentify = sourceName == "$identify" && userId == nil && set.isEmpty && setOnce.isEmpty
        if !isGroupIdentify && !emptyIdentify {
            var out: [String: JSONValue] = [
                "event": .string(autocaptureName ?? Self.renamedEvents[sourceName] ?? sourceName), "distinct_id": .string(distinctId),
                "timestamp": .string(timestamp), "properties": .object(properties),
            ]
            if sourceName == "$identify" {
                if userId == nil {
                    // No user yet: a person-property update of the device, not an identification.
                    out["type"] = set.isEmpty ? "set_once" : "set"
                } else {
                    out["type"] = "identify"
                    // Merge the device's anonymous person into the user, as PostHog's identify does.
                    if let deviceId, deviceId != distinctId {
                        properties["$anon_distinct_id"] = .string(deviceId)
                        out["properties"] = .object(properties)
                    }
                }
            }
            if !set.isEmpty { out["$set"] = .object(set) }
            if !setOnce.isEmpty { out["$set_once"] = .object(setOnce) }
            if let uuid = Self.uuid(row, event: sourceName) { out["uuid"] = .string(uuid) }
            rows.append(out)
        }
        for group in groups where !group.properties.isEmpty || isGroupIdentify {
            rows.append([
                "type": "group_identify", "distinct_id": .string(distinctId), "timestamp": .string(timestamp),
                "group_type": .string(group.type), "group_key": .string(group.key), "$group_set": .object(group.properties),
            ])
        }
        if rows.isEmpty { return .skipped("a $groupidentify row without groups") }
        return ReshapedRow(rows: rows, links: DeviceLink.between(device: deviceId, user: userId, at: timestamp))
    }

    /// `uuid` when it is a UUID, else `$insert_id` (itself when a UUID, else a UUIDv5 of it and the
    /// event name); nil leaves the id to be derived from the content.
    static func uuid(_ row: [String: JSONValue], event: String) -> String? {
        if let uuid = PresetFields.id(row["uuid"]).flatMap(SourceID.asUUID) { return uuid }
        guard let insertId = PresetFields.id(row["$insert_id"]) else { return nil }
        return SourceID.asUUID(insertId) ?? SourceID.uuid("amplitude", event, insertId)
    }

    /// Device, OS and location fields as PostHog properties (event properties of the same name win).
    func addDeviceProperties(_ row: [String: JSONValue], to properties: inout [String: JSONValue]) {
        // On the web, Amplitude's os_name/os_version hold the browser.
        let platform = PresetFields.id(row["platform"])?.lowercased()
        if platform == "web" {
            PresetFields.put(&properties, "$browser", row["os_name"])
            PresetFields.put(&properties, "$browser_version", row["os_version"])
            PresetFields.put(&properties, "$os", row["device_family"] ?? row["device_type"])
        } else {
            PresetFields.put(&properties, "$os", row["os_name"])
            PresetFields.put(&properties, "$os_version", row["os_version"])
        }
        if let type = Self.deviceType(platform: platform, row: row) { PresetFields.put(&properties, "$device_type", .string(type)) }
        for (from, to) in Self.renamedFields { PresetFields.put(&properties, to, row[from]) }
        for key in Self.keptFields { PresetFields.put(&properties, key, row[key]) }
        let known = Set(Self.renamedFields.map(\.0)).union(Self.keptFields).union(Self.consumedFields)
        for (key, value) in row where !known.contains(key) { PresetFields.put(&properties, key, value) }
    }

    /// PostHog's Desktop / Mobile / Tablet, from Amplitude's platform and device names.
    static func deviceType(platform: String?, row: [String: JSONValue]) -> String? {
        let names = ["device_type", "device_family", "device_model", "os_name"].compactMap { PresetFields.id(row[$0])?.lowercased() }.joined(separator: " ")
        if names.contains("ipad") || names.contains("tablet") { return "Tablet" }
        if names.contains("iphone") || names.contains("android") || names.contains("mobile") || names.contains("phone") || platform == "ios"
            || platform == "android"
        {
            return "Mobile"
        }
        if platform == "web" || names.contains("mac") || names.contains("windows") || names.contains("linux") { return "Desktop" }
        return nil
    }

    /// `user_properties` as `$set` and `$set_once`: plain keys and the `$set` operation are set,
    /// `$setOnce` is set once, `$unset` sets null; `"EMPTY"` means null. Other operations
    /// (`$add`, `$append`, …) have no PostHog equivalent and are left out.
    static func personProperties(_ value: JSONValue?) throws(MappingError) -> (set: [String: JSONValue], setOnce: [String: JSONValue]) {
        guard let user = try object(value, "user_properties") else { return ([:], [:]) }
        var set: [String: JSONValue] = [:]
        var setOnce: [String: JSONValue] = [:]
        func clean(_ v: JSONValue) -> JSONValue { v == .string("EMPTY") ? .null : v }
        for (key, v) in user {
            switch key {
            case "$set": for (k, inner) in v.objectValue ?? [:] { set[k] = clean(inner) }
            case "$setOnce": for (k, inner) in v.objectValue ?? [:] { setOnce[k] = clean(inner) }
            case "$unset": for k in (v.objectValue.map { Array($0.keys) } ?? v.arrayValue?.compactMap(\.stringValue) ?? []) { set[k] = .null }
            case let op where op.hasPrefix("$"): continue
            default: set[key] = clean(v)
            }
        }
        return (set, setOnce)
    }

    struct Group {
        var type: String
        var key: String
        var properties: [String: JSONValue]
    }

    /// `groups` ({type: key or [key]}) with their `group_properties` ({type: {key: {…}}}).
    static func groups(_ row: [String: JSONValue]) throws(MappingError) -> [Group] {
        guard let groups = try object(row["groups"], "groups"), !groups.isEmpty else { return [] }
        let groupProperties = try object(row["group_properties"], "group_properties") ?? [:]
        var out: [Group] = []
        for type in groups.keys.sorted() {
            let key: String?
            switch groups[type] {
            case .array(let keys)?: key = keys.lazy.compactMap { PresetFields.id($0) }.first
            case let value?: key = PresetFields.id(value)
            case nil: key = nil
            }
            guard let key else { continue }
            let byType = groupProperties[type]?.objectValue ?? [:]
            let properties = byType[key]?.objectValue ?? (byType.values.contains { $0.objectValue != nil } ? [:] : byType)
            out.append(Group(type: type, key: key, properties: properties.mapValues { $0 == .string("EMPTY") ? .null : $0 }))
        }
        return out
    }

    static func object(_ value: JSONValue?, _ name: String) throws(MappingError) -> [String: JSONValue]? {
        switch value {
        case nil, .null?: return nil
        case .object(let o)?: return o
        case .string(let s)? where s.isEmpty: return nil
        case let other?: throw MappingError("\(name) is a \(other.typeName), not an object")
        }
    }
}
