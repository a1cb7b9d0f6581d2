public import PostHogKit
import PostHogCore

/// Events bound for one request: one UTC day, with where each event came from.
public struct UploadBatch: Sendable {
    /// Where one event came from: its row's sequence number in the ``CommitLedger``, and the row's
    /// file, line and byte offset for the rejects file.
    public struct Source: Sendable, Equatable {
        public var sequence: Int
        public var fileIndex: Int32
        public var line: Int32
        public var offset: Int64
        public var kind: MessageKind

        public init(sequence: Int, fileIndex: Int, line: Int, offset: Int64, kind: MessageKind) {
            self.sequence = sequence
            self.fileIndex = Int32(truncatingIfNeeded: fileIndex)
            self.line = Int32(truncatingIfNeeded: line)
            self.offset = offset
            self.kind = kind
        }
    }

    /// The events, in one buffer; a refused event's `tag` is its index here.
    public var events = EventBatch()
    /// `sources[i]` is where event `i` came from.
    public var sources: [Source] = []
    /// Encoded bytes, a separator counted for each event.
    public var bytes = 0
    /// The UTC day (days since 1970-01-01) of every event.
    public var day: Int64

    public init(day: Int64, reservingBytes: Int = 0) {
        self.day = day
        if reservingBytes > 0 { events = EventBatch(reservingBytes: reservingBytes) }
    }

    /// The lowest row sequence number in the batch (rows arrive in order, so the first).
    public var oldestRow: Int { sources.first?.sequence ?? .max }

    /// Adds an event.
    mutating func append(_ event: EncodedEvent, from source: Source) {
        events.append(event.bytes)
        sources.append(source)
        bytes += event.bytes.count + 1
    }
}
