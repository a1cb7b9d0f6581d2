/// An events-per-second ceiling as a token bucket: a pure value type driven with explicit times,
/// so tests never sleep.
///
/// The bucket holds at most its capacity (by default one second of tokens, and never less than
/// one token); taking more than are available yields the wait
/// until enough accrue (the debt is taken at once, so concurrent takers queue fairly).
public struct TokenBucket: Sendable, Equatable {
    /// Tokens per second; 0 or less means unlimited.
    public let rate: Double
    public let capacity: Double
    private(set) var tokens: Double
    private(set) var last: Double

    /// - Parameters:
    ///   - rate: tokens per second (0 = unlimited).
    ///   - capacity: the most tokens saved up (the burst); default one second's worth, at least 1.
    ///   - now: the current time in seconds (any monotonic origin).
    public init(rate: Double, capacity: Double? = nil, now: Double) {
        self.rate = rate
        self.capacity = max(capacity ?? rate, 1)
        tokens = self.capacity
        last = now
    }

    /// Takes `count` tokens at time `now`; returns how long (seconds) to wait before using them.
    public mutating func take(_ count: Double, now: Double) -> Double {
        guard rate > 0 else { return 0 }
        if now > last {
            tokens = min(capacity, tokens + (now - last) * rate)
            last = now
        }
        tokens -= count
        return tokens >= 0 ? 0 : -tokens / rate
    }
}
