public import PostHogCore
import PostHogKit

/// A position in the `(timestamp, uuid)` order of exported events: the last row written.
public struct ExportCursor: Sendable, Hashable, CustomStringConvertible {
    public var timestamp: Timestamp
    public var uuid: String

    public init(timestamp: Timestamp, uuid: String) {
        self.timestamp = timestamp
        self.uuid = uuid
    }

    public var description: String { "\(timestamp.iso8601) \(uuid)" }
}
