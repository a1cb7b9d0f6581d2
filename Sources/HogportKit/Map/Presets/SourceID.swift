import PostHogKit
import PostHogCore

/// Event uuids from a source's own ids.
enum SourceID {
    /// `id` itself when it is a UUID (normalised), else nil.
    static func asUUID(_ id: String) -> String? {
        EventUUID.normalized(id)
    }

    /// A UUIDv5 over `parts` (NUL-separated) in hogport's namespace: the same ids always give the
    /// same uuid. The first part names the source so ids of different vendors never meet.
    static func uuid(_ parts: String...) -> String {
        var name: [UInt8] = [0x01]
        for (index, part) in parts.enumerated() {
            if index > 0 { name.append(0) }
            name.append(contentsOf: part.utf8)
        }
        return EventUUID.v5(name: name)
    }
}
