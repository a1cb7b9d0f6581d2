/// The kinds of PostHog message an import row can become, as counted in summaries.
public enum MessageKind: String, Sendable, CaseIterable, Codable {
    case capture
    case identify
    case alias
    case groupIdentify = "group_identify"
    case set
    case setOnce = "set_once"

    /// The reserved event name of this kind (nil for a plain capture).
    public var eventName: String? {
        switch self {
        case .capture: return nil
        case .identify: return "$identify"
        case .alias: return "$create_alias"
        case .groupIdentify: return "$groupidentify"
        case .set: return "$set"
        case .setOnce: return "$set_once"
        }
    }

    /// The kind a reserved event name stands for.
    public init(eventName: String) {
        switch eventName {
        case "$identify": self = .identify
        case "$create_alias", "$merge_dangerously": self = .alias
        case "$groupidentify": self = .groupIdentify
        case "$set": self = .set
        case "$set_once": self = .setOnce
        default: self = .capture
        }
    }

    /// Reads a `type` column: capture, identify, alias, group_identify, set, set_once.
    public init?(typeName: String) {
        switch typeName.lowercased() {
        case "capture", "track", "": self = .capture
        case "identify": self = .identify
        case "alias": self = .alias
        case "group_identify", "groupidentify", "group": self = .groupIdentify
        case "set": self = .set
        case "set_once": self = .setOnce
        default: return nil
        }
    }
}
