import PostHogCore
public import PostHogKit

/// Groups mapped events into batches: at most `maxEvents` events and `maxBytes` bytes, and never
/// two UTC days in one batch (PostHog asks for day-sized, time-ordered batches). A pure value type.
public struct EventBatcher: Sendable {
    public let maxEvents: Int
    public let maxBytes: Int

    /// An open or closed batch.
    public struct Batch: Sendable {
        public var events: [EncodedEvent] = []
        public var kinds: [MessageKind: Int] = [:]
        public var bytes = 0
        public var day: Int64?
        /// The position just past the batch's last row.
        public var end: RowPosition?
    }

    private(set) var current = Batch()

    public init(maxEvents: Int, maxBytes: Int) {
        self.maxEvents = max(1, maxEvents)
        self.maxBytes = max(1024, maxBytes)
    }

    /// Adds an event; returns the batches this closed, in order (usually none; a full batch or a
    /// change of day closes one).
    public mutating func add(_ event: EncodedEvent, kind: MessageKind, day: Int64, at position: RowPosition) -> [Batch] {
        var closed: [Batch] = []
        if !current.events.isEmpty && (current.day != day || current.bytes + event.bytes.count + 1 > maxBytes) {
            closed.append(current)
            current = Batch()
        }
        current.events.append(event)
        current.kinds[kind, default: 0] += 1
        current.bytes += event.bytes.count + 1
        current.day = day
        current.end = position
        if current.events.count >= maxEvents {
            closed.append(current)
            current = Batch()
        }
        return closed
    }

    /// Whether no events wait in the open batch.
    public var isEmpty: Bool { current.events.isEmpty }

    /// Closes and returns the open batch (nil when empty).
    public mutating func flush() -> Batch? {
        guard !current.events.isEmpty else { return nil }
        defer { current = Batch() }
        return current
    }
}
