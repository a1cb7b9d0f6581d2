/// The send stage's gate: how many uploads may run at once (``AdaptiveConcurrency``, and a budget
/// of bytes in flight, so large events do not multiply memory by the concurrency) and when the
/// next may start (a ``TokenBucket`` of events per second). A pure value type driven with
/// explicit times, so tests never sleep.
public struct UploadGate: Sendable {
    public private(set) var concurrency: AdaptiveConcurrency
    private var bucket: TokenBucket
    /// Uploads started and not finished.
    public private(set) var inFlight = 0
    /// Encoded bytes of the uploads in flight.
    public private(set) var bytesInFlight = 0
    /// The most bytes in flight at once; one upload may always start, whatever its size.
    public let maxBytesInFlight: Int

    /// - Parameters:
    ///   - maxConcurrency: the most uploads at once (`--concurrency`); the controller works below it.
    ///   - rate: events per second (0 = unlimited).
    ///   - now: the current time in seconds.
    ///   - maxBytesInFlight: the most encoded bytes in flight at once.
    public init(maxConcurrency: Int, rate: Double, now: Double, maxBytesInFlight: Int = 8 << 20) {
        concurrency = AdaptiveConcurrency(maximum: maxConcurrency, initial: min(maxConcurrency, 2))
        bucket = TokenBucket(rate: rate, now: now)
        self.maxBytesInFlight = maxBytesInFlight
    }

    /// Whether another upload may start now.
    public var canStart: Bool { canStart(bytes: 0) }

    /// Whether an upload of `bytes` encoded bytes may start now.
    public func canStart(bytes: Int) -> Bool {
        inFlight < concurrency.limit && (inFlight == 0 || bytesInFlight + bytes <= maxBytesInFlight)
    }

    /// Starts an upload of `events` events (`bytes` encoded); returns how long (seconds) it must
    /// wait for the rate.
    public mutating func start(events: Int, bytes: Int = 0, now: Double) -> Double {
        inFlight += 1
        bytesInFlight += bytes
        concurrency.started()
        return bucket.take(Double(events), now: now)
    }

    /// Records a finished upload of `bytes` encoded bytes: its round-trip time and whether it met
    /// back-pressure.
    public mutating func finish(rtt: Double, backPressure: Bool, bytes: Int = 0, now: Double) {
        inFlight = max(0, inFlight - 1)
        bytesInFlight = max(0, bytesInFlight - bytes)
        concurrency.finished(rtt: rtt, backPressure: backPressure, now: now)
    }
}
