public import PostHogKit
public import PostHogCore

/// One encoded message of a row, with what the batcher and the summary need.
public struct MappedEvent: Sendable {
    public var event: EncodedEvent
    public var kind: MessageKind
    public var timestamp: Timestamp
}

/// What the map stage made of one row.
public enum RowOutcome: Sendable {
    /// The row's messages in sending order; `dropped` counts messages the mapping left out.
    case events([MappedEvent], dropped: Int)
    /// The row goes to the rejects file, for this reason.
    case rejected(String)
    /// A row object for the preset mapper, which keeps state across rows and so runs in order.
    case object([String: JSONValue])
}

/// A chunk's rows and what each became, in order.
public struct MappedChunk: Sendable {
    public var chunk: RowChunk
    public var outcomes: [RowOutcome]
}
