public import PostHogCore
import PostHogKit

/// Decides which `$create_alias` messages `--link-devices` adds: one per (device, user) pair not
/// linked before, by this run or, through the checkpoint's `links` table, an earlier one.
///
/// A value type with no I/O: the import loads the known pairs from the checkpoint, asks for the
/// rows of each source row's links, and stores the new pairs when that row's position is committed.
public struct DeviceLinker: Sendable {
    /// Pairs already linked.
    public private(set) var known: Set<DeviceLink.Key>

    public init(known: some Sequence<DeviceLink.Key> = []) {
        self.known = Set(known)
    }

    /// The alias rows for the pairs of `links` not in `known` (one per pair, in order), and those
    /// pairs. Pure: `known` is not changed.
    public static func aliasRows(for links: [DeviceLink], known: Set<DeviceLink.Key>) -> (rows: [[String: JSONValue]], new: [DeviceLink]) {
        var seen = known
        var rows: [[String: JSONValue]] = []
        var new: [DeviceLink] = []
        for link in links where seen.insert(link.key).inserted {
            rows.append(aliasRow(for: link))
            new.append(link)
        }
        return (rows, new)
    }

    /// Like ``aliasRows(for:known:)``, and remembers the new pairs.
    public mutating func link(_ links: [DeviceLink]) -> (rows: [[String: JSONValue]], new: [DeviceLink]) {
        let result = Self.aliasRows(for: links, known: known)
        for link in result.new { known.insert(link.key) }
        return result
    }

    /// Forgets `links` again (their rows were rejected, so nothing was sent).
    public mutating func forget(_ links: [DeviceLink]) {
        for link in links { known.remove(link.key) }
    }

    /// The uuid of a link's `$create_alias`: from the pair alone.
    public static func aliasUUID(for link: DeviceLink) -> String {
        SourceID.uuid("link", link.deviceId, link.userId)
    }

    /// The `$create_alias` row of one link: the user's distinct id, the device id as the alias,
    /// and a uuid derived from the pair alone, so a repeated alias collapses in PostHog.
    public static func aliasRow(for link: DeviceLink) -> [String: JSONValue] {
        [
            "type": "alias",
            "event": "$create_alias",
            "distinct_id": .string(link.userId),
            "alias": .string(link.deviceId),
            "timestamp": .string(link.timestamp),
            "uuid": .string(aliasUUID(for: link)),
            "properties": ["hogport_link": "device"],
        ]
    }
}
