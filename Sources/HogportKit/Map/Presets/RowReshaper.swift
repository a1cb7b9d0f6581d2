public import PostHogCore
import PostHogKit

/// Turns one row of a vendor's export into PostHog-shaped rows that ``MessageBuilder`` (with the
/// default ``ImportMapping``) maps and validates like any `posthog` row.
///
/// The rows use the keys `event`, `distinct_id`, `timestamp`, `uuid`, `properties`, `$set`,
/// `$set_once`, `type`, and for the message kinds that need them `alias` (alias),
/// `group_type`, `group_key` and `$group_set` (group identify). A reshaper is pure: the same
/// source row always gives the same rows, so a resumed import re-sends the same uuids.
public protocol RowReshaper: Sendable {
    /// Reshapes one source row into zero or more PostHog-shaped rows. No rows means the row is
    /// dropped on purpose (``ReshapedRow/skipReason`` says why); an error rejects the row.
    func reshape(_ row: [String: JSONValue]) throws(MappingError) -> ReshapedRow

    /// The reshaper for the rows of the file at `path` (`-` for standard input). A vendor whose
    /// export names its tables by file (Heap) returns one that knows the table; the default is self.
    func forFile(_ path: String) -> any RowReshaper
}

extension RowReshaper {
    public func forFile(_ path: String) -> any RowReshaper { self }
}

/// What a ``RowReshaper`` made of one source row.
public struct ReshapedRow: Sendable {
    /// PostHog-shaped rows, in the order they should be sent.
    public var rows: [[String: JSONValue]]
    /// The (device, user) pairs the row shows, for `--link-devices` (see ``DeviceLinker``).
    public var links: [DeviceLink]
    /// Why the row became no rows.
    public var skipReason: String?

    public init(rows: [[String: JSONValue]] = [], links: [DeviceLink] = [], skipReason: String? = nil) {
        self.rows = rows
        self.links = links
        self.skipReason = skipReason
    }

    /// A row dropped on purpose.
    public static func skipped(_ reason: String) -> ReshapedRow {
        ReshapedRow(skipReason: reason)
    }
}

/// An anonymous (device) id seen together with a user id: PostHog should treat them as one person.
public struct DeviceLink: Sendable, Equatable {
    public var deviceId: String
    public var userId: String
    /// When the pair was seen (the source row's time, ISO-8601); the alias message's timestamp.
    public var timestamp: String

    public init(deviceId: String, userId: String, timestamp: String) {
        self.deviceId = deviceId
        self.userId = userId
        self.timestamp = timestamp
    }

    /// The pair, without the time: what is remembered.
    public var key: Key { Key(deviceId: deviceId, userId: userId) }

    /// A (device, user) pair.
    public struct Key: Sendable, Hashable {
        public var deviceId: String
        public var userId: String

        public init(deviceId: String, userId: String) {
            self.deviceId = deviceId
            self.userId = userId
        }
    }

    /// The link of `deviceId` and `userId` when both are present and differ.
    static func between(device deviceId: String?, user userId: String?, at timestamp: String) -> [DeviceLink] {
        guard let deviceId, let userId, !deviceId.isEmpty, !userId.isEmpty, deviceId != userId else { return [] }
        return [DeviceLink(deviceId: deviceId, userId: userId, timestamp: timestamp)]
    }
}
