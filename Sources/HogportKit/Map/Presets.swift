/// The built-in presets `--preset` selects, by name.
public enum Presets {
    /// Every preset, in the order `hogport presets` lists them.
    public static let all: [Preset] = [
        Preset(
            name: "posthog", version: 1,
            summary:
                "PostHog-shaped rows: {event, distinct_id, timestamp, properties, uuid?, $set?, $set_once?} (what `hogport export` writes; also batch-export rows with properties as a JSON string). CSV uses hogport's column conventions."
        ),
        vendor(
            "amplitude", version: 2, AmplitudePreset(), summary: "Amplitude Export API: the zip of gzipped JSON-lines files, or the .json.gz/.json files in it."
        ),
        vendor(
            "mixpanel", version: 1, MixpanelPreset(),
            summary: "Mixpanel raw event export (JSON lines of {event, properties: {time, distinct_id, $insert_id, …}})."),
        vendor(
            "segment", version: 1, SegmentPreset(),
            summary: "Segment archived calls (gzipped NDJSON from the S3 destination): track, identify, alias, page, screen, group."),
        vendor(
            "ga4", version: 1, GA4Preset(), summary: "GA4's BigQuery export extracted as NDJSON (plain or gzip; events_* and events_intraday_* shards).",
            rules: ga4Rules),
        vendor(
            "heap", version: 1, HeapPreset(),
            summary: "Heap Connect tables unloaded as CSV or NDJSON: all_events or per-event tables, users, user_migrations (any order).", rules: heapRules),
    ]

    static let ga4Rules = [
        "event_name: page_view -> $pageview; session_start, first_visit, user_engagement dropped (--ga4-keep-bookkeeping keeps them)",
        "distinct_id: user_id, else user_pseudo_id; a row with both links them ($create_alias once per pair, --link-devices)",
        "timestamp: event_timestamp microseconds, exact; uuid from event_name, user_pseudo_id, event_timestamp, event_bundle_sequence_id, batch_event_index",
        "properties: event_params typed; page_location/page_referrer/page_title -> $current_url/$referrer/$title",
        "device, geo, collected_traffic_source -> $browser, $os, $device_type, $geoip_*, utm_*, gclid; platform/stream_id -> ga_platform/ga_stream_id",
        "ecommerce and items kept with numbers as numbers; user_properties -> $set; $geoip_disable on every event",
    ]

    static let heapRules = [
        "table: --heap-table, else the file's name (all_events, users, user_migrations, sessions, or an event table), else the columns",
        "events: name from type/event_table_name or the table (pageview -> $pageview); time (with or without ' UTC'); distinct_id user_id as text",
        "events: uuid from event_id; path, title, referrer, browser, device_type, country, region, city, ip -> $pathname, $title, $referrer, $browser, $device_type, $geoip_*, $ip; other columns kept",
        "users: $identify of identity with $anon_distinct_id user_id and $set of the other columns (no identity: $set on user_id); epoch-ms dates as ISO, 'Invalid date' left out",
        "user_migrations: $create_alias, distinct_id to_user_id, alias from_user_id; sessions: not imported",
    ]

    /// `preset` with the vendor options of `hogport import`: the Heap table of every file and
    /// whether GA4's bookkeeping events are kept. Each option is part of the preset's tag, so a
    /// checkpoint made with one refuses another.
    public static func configure(_ preset: Preset, heapTable: String? = nil, keepGA4Bookkeeping: Bool = false) throws(MappingError) -> Preset {
        var preset = preset
        if let heapTable {
            guard preset.name == "heap" else { throw MappingError("--heap-table applies to --preset heap") }
            guard let table = HeapTable(name: heapTable) else {
                throw MappingError("--heap-table needs a table name (all_events, users, user_migrations, or an event table's name)")
            }
            preset.reshaper = HeapPreset(table: table)
            preset.mapping.presetTag! += ";table=\(table.tag)"
        }
        if keepGA4Bookkeeping {
            guard preset.name == "ga4" else { throw MappingError("--ga4-keep-bookkeeping applies to --preset ga4") }
            preset.reshaper = GA4Preset(keepBookkeeping: true)
            preset.mapping.presetTag! += ";keep_bookkeeping"
        }
        return preset
    }

    /// The segment preset with `group` calls under another PostHog group type than `company`
    /// (the type is part of its tag, so a checkpoint of one type refuses another).
    public static func segment(groupType: String) -> Preset {
        var preset = vendor("segment", version: 1, SegmentPreset(groupType: groupType), summary: all.first { $0.name == "segment" }!.summary)
        if groupType != SegmentPreset().groupType { preset.mapping.presetTag! += ";group_type=\(groupType)" }
        return preset
    }

    /// A vendor preset: the default mapping applied to reshaped rows, tagged with name and version.
    static func vendor(_ name: String, version: Int, _ reshaper: some RowReshaper, summary: String, rules: [String] = []) -> Preset {
        var mapping = ImportMapping()
        mapping.presetTag = "\(name)/v\(version)"
        return Preset(name: name, version: version, summary: summary, rules: rules, mapping: mapping, reshaper: reshaper, linksDevices: true)
    }

    /// Preset names, for help texts and `hogport presets`.
    public static var names: [String] { all.map(\.name) }

    /// One line about each preset.
    public static var descriptions: [String: String] {
        Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0.summary) })
    }

    /// The preset called `name`.
    public static func preset(named name: String) throws(MappingError) -> Preset {
        guard let preset = all.first(where: { $0.name == name }) else {
            throw MappingError("unknown preset '\(name)' (known: \(names.joined(separator: ", ")); `hogport presets` describes them)")
        }
        return preset
    }

    /// The mapping of preset `name`.
    public static func mapping(named name: String) throws(MappingError) -> ImportMapping {
        try preset(named: name).mapping
    }

    /// The reshaper of preset `name` (nil for presets whose rows are already PostHog-shaped).
    public static func reshaper(named name: String) throws(MappingError) -> (any RowReshaper)? {
        try preset(named: name).reshaper
    }
}
