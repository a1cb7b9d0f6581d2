/// How a ``SinkServer`` listens, what it accepts, and which faults it injects.
public struct SinkConfiguration: Sendable {
    /// The address to bind; loopback by default.
    public var host = "127.0.0.1"
    /// The port; 0 picks a free one (read it back from ``SinkServer/port``).
    public var port = 0
    /// The SQLite file events are stored in.
    public var databasePath: String
    /// The project API key the sink accepts; anything else gets 401.
    public var apiKey: String
    /// The personal API key required by private endpoints (flag definitions, queries); nil
    /// accepts any bearer token.
    public var personalAPIKey: String?
    /// Injected failures.
    public var faults = SinkFaults()
    /// Count the events of each batch and answer 200 without validating or storing them: a
    /// stand-in for a server with capacity to spare, for measuring a sender.
    public var countOnly = false
    /// The largest request body accepted on the wire (PostHog: 20 MiB).
    public var maximumBodyBytes = 20 * 1024 * 1024
    /// The largest decompressed body accepted (five times the wire limit, as PostHog's capture).
    public var maximumDecompressedBytes = 100 * 1024 * 1024

    public init(databasePath: String, apiKey: String) {
        self.databasePath = databasePath
        self.apiKey = apiKey
    }
}

/// Failures a sink injects into capture requests, for testing senders.
public struct SinkFaults: Sendable, Equatable {
    /// The share of capture requests answered with one of ``failCodes`` instead of being stored.
    public var failRate: Double = 0
    /// The statuses used for injected failures, picked in turn.
    public var failCodes: [Int] = [503]
    /// A `Retry-After` value (seconds) sent with injected failures.
    public var retryAfter: Int?
    /// The share of capture requests whose connection is closed without an answer (the events
    /// are not stored).
    public var dropRate: Double = 0
    /// Delay before answering each capture request.
    public var latencyMilliseconds = 0
    /// Event names answered with 400 (the whole batch, as PostHog refuses a batch holding an
    /// invalid event): a sender that isolates bad events rejects exactly these.
    public var refuseEvents: Set<String> = []
    /// Seed for the fault dice, so a test run is repeatable.
    public var seed: UInt64 = 0x5eed

    public init() {}

    /// Whether any fault is configured.
    public var isActive: Bool { failRate > 0 || dropRate > 0 || latencyMilliseconds > 0 }
}
