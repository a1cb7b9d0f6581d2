/// Counters a sink keeps about the requests it has seen.
public struct SinkStatistics: Sendable, Equatable {
    /// Capture requests received (any outcome).
    public var requests = 0
    /// Answers by status code, injected faults included.
    public var statuses: [Int: Int] = [:]
    /// Connections closed without an answer.
    public var dropped = 0
    /// Injected failures answered.
    public var injectedFailures = 0
    /// Events accepted and stored.
    public var eventsStored = 0
    /// Batches stored with `historical_migration: true`.
    public var historicalBatches = 0

    public init() {}
}
