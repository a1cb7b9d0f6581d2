public import PostHogCore
import PostHogKit

/// Keeps a vendor preset from sending the same group properties over and over: Amplitude repeats
/// a group's properties on every event of the group, and each would become a `$groupidentify`.
///
/// A `group_identify` row is left out when its (group type, group key) was last sent, in this
/// run, with the same `$group_set`. Changed properties are sent (in source order, so the last
/// one wins in PostHog as it did in the source). A value type with no I/O: the mapper asks which
/// rows to keep, then records them once the whole source row has mapped.
///
/// What it remembers lasts one run and at most ``capacity`` groups (then it starts afresh), so a
/// resumed run or a very large number of groups costs at most some repeated `$groupidentify`
/// messages, never a lost one.
public struct GroupIdentifyFilter: Sendable {
    /// A group: its type and key.
    public struct Group: Sendable, Hashable {
        public var type: String
        public var key: String
    }

    /// The `$group_set` last sent for each group, as sorted-key JSON.
    private(set) var lastSent: [Group: String] = [:]

    /// The most groups remembered.
    public static let capacity = 100_000

    public init() {}

    /// The rows to send (`rows` without the repeated group identifies) and what to ``record(_:)``
    /// when they are sent.
    public func filter(_ rows: [[String: JSONValue]]) -> (rows: [[String: JSONValue]], sent: [(Group, String)]) {
        var kept: [[String: JSONValue]] = []
        kept.reserveCapacity(rows.count)
        var sent: [(Group, String)] = []
        var pending: [Group: String] = [:]
        for row in rows {
            guard row["type"]?.stringValue == "group_identify", let type = row["group_type"]?.stringValue,
                let key = row["group_key"]?.stringValue
            else {
                kept.append(row)
                continue
            }
            let group = Group(type: type, key: key)
            let properties = JSONWriter.string(row["$group_set"] ?? .object([:]), sortedKeys: true)
            if (pending[group] ?? lastSent[group]) == properties { continue }
            pending[group] = properties
            sent.append((group, properties))
            kept.append(row)
        }
        return (kept, sent)
    }

    /// Remembers group properties as sent.
    public mutating func record(_ sent: [(Group, String)]) {
        if lastSent.count + sent.count > Self.capacity { lastSent.removeAll(keepingCapacity: true) }
        for (group, properties) in sent { lastSent[group] = properties }
    }

    /// Forgets group properties recorded for a row that was rejected after all.
    public mutating func forget(_ sent: [(Group, String)]) {
        for (group, properties) in sent where lastSent[group] == properties { lastSent[group] = nil }
    }
}
