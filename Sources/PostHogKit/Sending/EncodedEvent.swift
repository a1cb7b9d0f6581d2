public import PostHogCore

/// An event already serialized to JSON, ready to be joined into a batch body.
public struct EncodedEvent: Sendable {
    /// The event's uuid, for reports.
    public var uuid: String
    /// The event as one compact JSON object.
    public var bytes: [UInt8]
    /// A caller-defined number carried through delivery reports (an import stores the row's
    /// sequence number here).
    public var tag: Int64

    public init(uuid: String, bytes: [UInt8], tag: Int64 = 0) {
        self.uuid = uuid
        self.bytes = bytes
        self.tag = tag
    }

    /// The event held at its size, for a queue that keeps events by the thousand: a buffer with
    /// much more capacity than content (one that grew while being written) is copied to its size.
    public func trimmed() -> EncodedEvent {
        guard bytes.capacity > bytes.count + 64 + bytes.count / 8 else { return self }
        let exact = Array(unsafeUninitializedCapacity: bytes.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: bytes)
        }
        return EncodedEvent(uuid: uuid, bytes: exact, tag: tag)
    }

    /// Encodes `event`, refusing one over PostHog's 1 MB limit.
    public init(_ event: PostHogEvent, tag: Int64 = 0) throws(PostHogError) {
        let bytes = event.encoded()
        guard bytes.count <= PostHogEvent.maximumEncodedSize else {
            throw PostHogError(
                .eventTooLarge, "event '\(event.event)' (\(event.uuid)) is \(bytes.count) bytes encoded", eventCount: 1)
        }
        self.init(uuid: event.uuid, bytes: bytes, tag: tag)
    }
}

/// An event the server refused, and why.
public struct RejectedEvent: Sendable {
    public var event: EncodedEvent
    public var reason: String
    public var status: Int?
}

/// What happened to one batch handed to ``BatchSender/deliver(_:)``.
public struct DeliveryReport: Sendable {
    /// Events the server acknowledged.
    public var delivered = 0
    /// Events the server refused after isolation (400 bisection, 413 on a single event).
    public var rejected: [RejectedEvent] = []
    /// HTTP requests made, retries included.
    public var requests = 0
    /// Requests that were retried.
    public var retries = 0

    public init() {}

    mutating func merge(_ other: DeliveryReport) {
        delivered += other.delivered
        rejected += other.rejected
        requests += other.requests
        retries += other.retries
    }
}

/// One HTTP attempt, as seen by an observer (the import's adaptive concurrency watches these).
public struct DeliveryAttempt: Sendable {
    public var status: Int?
    public var latency: Duration
    public var eventCount: Int
    public var bodyBytes: Int
    /// Whether the attempt failed for a reason that signals overload (429, 5xx, timeouts, network).
    public var isBackpressure: Bool
}
