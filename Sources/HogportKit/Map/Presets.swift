/// The built-in presets `--preset` selects, by name.
public enum Presets {
    /// Every preset, in the order `hogport presets` lists them.
    public static let all: [Preset] = [
        Preset(
            name: "posthog", version: 1,
            summary: "PostHog-shaped rows: {event, distinct_id, timestamp, properties, uuid?, $set?, $set_once?} (what `hogport export` writes; also batch-export rows with properties as a JSON string). CSV uses hogport's column conventions."),
        vendor("amplitude", version: 2, AmplitudePreset(), summary: "Amplitude Export API: the zip of gzipped JSON-lines files, or the .json.gz/.json files in it."),
        vendor("mixpanel", version: 1, MixpanelPreset(), summary: "Mixpanel raw event export (JSON lines of {event, properties: {time, distinct_id, $insert_id, …}})."),
        vendor("segment", version: 1, SegmentPreset(), summary: "Segment archived calls (gzipped NDJSON from the S3 destination): track, identify, alias, page, screen, group."),
    ]

    /// The segment preset with `group` calls under another PostHog group type than `company`
    /// (the type is part of its tag, so a checkpoint of one type refuses another).
    public static func segment(groupType: String) -> Preset {
        var preset = vendor("segment", version: 1, SegmentPreset(groupType: groupType), summary: all.first { $0.name == "segment" }!.summary)
        if groupType != SegmentPreset().groupType { preset.mapping.presetTag! += ";group_type=\(groupType)" }
        return preset
    }

    /// A vendor preset: the default mapping applied to reshaped rows, tagged with name and version.
    static func vendor(_ name: String, version: Int, _ reshaper: some RowReshaper, summary: String) -> Preset {
        var mapping = ImportMapping()
        mapping.presetTag = "\(name)/v\(version)"
        return Preset(name: name, version: version, summary: summary, mapping: mapping, reshaper: reshaper, linksDevices: true)
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
