/// The send stage's gate: how many uploads may run at once (``AdaptiveConcurrency``) and when the
/// next may start (a ``TokenBucket`` of events per second). A pure value type driven with
/// explicit times, so tests never sleep.
public struct UploadGate: Sendable {
    public private(set) var concurrency: AdaptiveConcurrency
    private var bucket: TokenBucket
    /// Uploads started and not finished.
    public private(set) var inFlight = 0

    /// - Parameters:
    ///   - maxConcurrency: the most uploads at once (`--concurrency`); the controller works below it.
    ///   - rate: events per second (0 = unlimited).
    ///   - now: the current time in seconds.
    public init(maxConcurrency: Int, rate: Double, now: Double) {
        concurrency = AdaptiveConcurrency(maximum: maxConcurrency, initial: min(maxConcurrency, 2))
        bucket = TokenBucket(rate: rate, now: now)
    }

    /// Whether another upload may start now.
    public var canStart: Bool { inFlight < concurrency.limit }

    /// Starts an upload of `events` events; returns how long (seconds) it must wait for the rate.
    public mutating func start(events: Int, now: Double) -> Double {
        inFlight += 1
        concurrency.started()
        return bucket.take(Double(events), now: now)
    }

    /// Records a finished upload: its round-trip time and whether it met back-pressure.
    public mutating func finish(rtt: Double, backPressure: Bool, now: Double) {
        inFlight = max(0, inFlight - 1)
        concurrency.finished(rtt: rtt, backPressure: backPressure, now: now)
    }
}
