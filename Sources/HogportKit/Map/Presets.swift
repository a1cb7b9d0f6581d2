/// The built-in mappings `--preset` selects.
public enum Presets {
    /// Preset names, for help texts and `hogport presets`.
    public static let names = ["posthog"]

    /// One line about each preset.
    public static let descriptions: [String: String] = [
        "posthog": "PostHog-shaped rows: {event, distinct_id, timestamp, properties, uuid?, $set?, $set_once?} (what `hogport export` writes; also batch-export rows with properties as a JSON string). CSV uses hogport's column conventions."
    ]

    /// The mapping of preset `name`.
    public static func mapping(named name: String) throws(MappingError) -> ImportMapping {
        switch name {
        case "posthog": return ImportMapping()
        default: throw MappingError("unknown preset '\(name)' (known: \(names.joined(separator: ", ")))")
        }
    }
}
