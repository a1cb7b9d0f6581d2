import PostHogKit
public import PostHogCore

/// GA4's BigQuery export (`events_*` and `events_intraday_*` tables extracted as NDJSON) as
/// PostHog messages. docs/migrate-ga4.md has the full table.
public struct GA4Preset: RowReshaper {
    /// Whether GA's bookkeeping events (``bookkeepingEvents``) are imported.
    public var keepBookkeeping: Bool

    public init(keepBookkeeping: Bool = false) {
        self.keepBookkeeping = keepBookkeeping
    }

    static let renamedEvents = ["page_view": "$pageview"]
    /// GA's own session and engagement bookkeeping: dropped unless ``keepBookkeeping``.
    public static let bookkeepingEvents: Set<String> = ["session_start", "first_visit", "user_engagement"]

    /// `event_params` keys with a PostHog name (renamed, not copied).
    static let renamedParams: [(String, String)] = [
        ("page_location", "$current_url"), ("page_referrer", "$referrer"), ("page_title", "$title"),
    ]

    /// Record fields (path in the row) with a PostHog property.
    static let columnProperties: [(path: [String], property: String)] = [
        (["device", "web_info", "browser"], "$browser"), (["device", "web_info", "browser_version"], "$browser_version"),
        (["device", "operating_system"], "$os"), (["device", "operating_system_version"], "$os_version"),
        (["device", "language"], "$browser_language"), (["geo", "country"], "$geoip_country_name"),
        (["geo", "city"], "$geoip_city_name"), (["geo", "region"], "$geoip_subdivision_1_name"),
        (["geo", "continent"], "$geoip_continent_name"), (["collected_traffic_source", "manual_source"], "utm_source"),
        (["collected_traffic_source", "manual_medium"], "utm_medium"),
        (["collected_traffic_source", "manual_campaign_name"], "utm_campaign"),
        (["collected_traffic_source", "manual_term"], "utm_term"), (["collected_traffic_source", "manual_content"], "utm_content"),
        (["collected_traffic_source", "gclid"], "gclid"), (["platform"], "ga_platform"), (["stream_id"], "ga_stream_id"),
    ]

    public func reshape(_ row: [String: JSONValue]) throws(MappingError) -> ReshapedRow {
        guard let sourceName = PresetFields.id(row["event_name"]) else { throw MappingError("missing event_name") }
        if !keepBookkeeping && Self.bookkeepingEvents.contains(sourceName) {
            return .skipped("GA4 '\(sourceName)' events are GA's bookkeeping (--ga4-keep-bookkeeping imports them)")
        }
        let userId = PresetFields.id(row["user_id"])
        let pseudoId = PresetFields.id(row["user_pseudo_id"])
        guard let distinctId = userId ?? pseudoId else { throw MappingError("neither user_id nor user_pseudo_id is set") }
        guard let micros = GA4Fields.integer(row["event_timestamp"]) else {
            throw MappingError(
                "event_timestamp is missing or not an integer of microseconds (got \(row["event_timestamp"].map { JSONWriter.string($0) } ?? "nothing"))")
        }
        let timestamp = Timestamp(microseconds: micros).iso8601

        var out: [String: JSONValue] = [
            "event": .string(Self.renamedEvents[sourceName] ?? sourceName), "distinct_id": .string(distinctId),
            "timestamp": .string(timestamp), "properties": .object(try Self.properties(row)),
            "uuid": .string(Self.uuid(row, event: sourceName, micros: micros)),
        ]
        let set = try GA4Fields.keyValues(row["user_properties"], "user_properties")
        if !set.isEmpty { out["$set"] = .object(set) }
        return ReshapedRow(rows: [out], links: DeviceLink.between(device: pseudoId, user: userId, at: timestamp))
    }

    /// A UUIDv5 of the fields that tell GA's events apart (GA has no event id): the same on every
    /// run, distinct for events of one bundle.
    static func uuid(_ row: [String: JSONValue], event: String, micros: Int64) -> String {
        SourceID.uuid(
            "ga4", event, PresetFields.id(row["user_pseudo_id"]) ?? "", String(micros),
            PresetFields.id(row["event_bundle_sequence_id"]) ?? "", PresetFields.id(row["batch_event_index"]) ?? "")
    }

    /// The event's properties: `event_params` typed, page params renamed, device, geo, traffic
    /// source and stream columns, `ecommerce` and `items`, and `$geoip_disable`.
    static func properties(_ row: [String: JSONValue]) throws(MappingError) -> [String: JSONValue] {
        var properties = try GA4Fields.keyValues(row["event_params"], "event_params")
        for (from, to) in renamedParams { PresetFields.move(&properties, from, to: to) }
        for (path, property) in columnProperties { PresetFields.put(&properties, property, value(row, path)) }
        if let category = PresetFields.id(value(row, ["device", "category"])) {
            PresetFields.put(&properties, "$device_type", .string(GA4Fields.deviceType(category)))
        }
        if let ecommerce = try GA4Fields.record(row["ecommerce"]) { properties["ecommerce"] = .object(ecommerce) }
        switch row["items"] {
        case nil, .null?: break
        case .array(let items)?:
            var records: [JSONValue] = []
            for item in items { if let record = try GA4Fields.record(item) { records.append(.object(record)) } }
            if !records.isEmpty { properties["items"] = .array(records) }
        case let other?: throw MappingError("items is a \(other.typeName), not an array")
        }
        // GA's geo fields are kept above; PostHog must not look up its own from the importer's address.
        properties["$geoip_disable"] = .bool(true)
        return properties
    }

    /// The value at `path` in nested records.
    static func value(_ row: [String: JSONValue], _ path: [String]) -> JSONValue? {
        var current: JSONValue? = row[path[0]]
        for key in path.dropFirst() { current = current?[key] }
        return current
    }
}
