public import PostHogCore
import PostHogKit

/// A row turned into a PostHog message, ready to batch.
public struct ImportMessage: Sendable {
    public var event: PostHogEvent
    public var kind: MessageKind
    /// Whether the uuid came from the source (else it was derived from the content).
    public var sourceUUID: Bool
}

/// What mapping made of one row.
public enum MappedRow: Sendable {
    case message(ImportMessage)
    /// Dropped on purpose (a `drop_events` rule); not an error.
    case skipped(String)
}
