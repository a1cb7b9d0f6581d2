public import PostHogCore

/// Decides what to do after one attempt to post a batch: a pure value type, tested without I/O.
///
/// Network errors, timeouts, 408, 429 and 5xx are retried with capped exponential backoff and
/// jitter, with `Retry-After` as a floor; 413 splits the batch; 400 bisects it to find the bad
/// events; 401 and 403 stop everything; any other status is unexpected and stops too.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt before giving up.
    public var maxRetries: Int
    /// The first backoff delay.
    public var baseDelay: Duration
    /// The largest backoff delay (a `Retry-After` may ask for more, up to ``maxRetryAfter``).
    public var maxDelay: Duration
    /// The longest `Retry-After` honoured.
    public var maxRetryAfter: Duration

    public init(maxRetries: Int = 5, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30), maxRetryAfter: Duration = .seconds(120)) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// What one attempt ended with.
    public enum Outcome: Sendable, Equatable {
        case status(Int, retryAfter: Duration?)
        case transportError(String)
    }

    /// What to do next.
    public enum Decision: Sendable, Equatable {
        case delivered
        case retry(after: Duration)
        case giveUp(reason: String)
        case split
        case bisect
        case fatalAuthentication(status: Int)
        case unexpected(status: Int)
    }

    /// The decision after attempt number `attempt` (1 for the first) ended with `outcome`.
    /// - Parameter jitter: a number in 0...1 (random in production) that spreads retries.
    public func decide(_ outcome: Outcome, attempt: Int, jitter: Double) -> Decision {
        switch outcome {
        case .status(let code, let retryAfter):
            switch code {
            case 200..<300: return .delivered
            case 413: return .split
            case 400: return .bisect
            case 401, 403: return .fatalAuthentication(status: code)
            case 408, 429, 500..<600:
                return retry(after: attempt, retryAfter: retryAfter, jitter: jitter, reason: "HTTP \(code)")
            default: return .unexpected(status: code)
            }
        case .transportError(let message):
            return retry(after: attempt, retryAfter: nil, jitter: jitter, reason: message)
        }
    }

    func retry(after attempt: Int, retryAfter: Duration?, jitter: Double, reason: String) -> Decision {
        guard attempt <= maxRetries else { return .giveUp(reason: reason) }
        return .retry(after: delay(attempt: attempt, retryAfter: retryAfter, jitter: jitter))
    }

    /// The backoff before retry number `attempt`: `base * 2^(attempt-1)`, capped, scaled by a
    /// jitter factor in 0.5...1, and never below `Retry-After`.
    public func delay(attempt: Int, retryAfter: Duration?, jitter: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        var backoff = baseDelay * (1 << exponent)
        if backoff > maxDelay { backoff = maxDelay }
        let factor = 0.5 + 0.5 * min(max(jitter, 0), 1)
        backoff = backoff * factor
        if let retryAfter {
            let floor = min(retryAfter, maxRetryAfter)
            if floor > backoff { backoff = floor }
        }
        return backoff
    }
}

extension RetryPolicy {
    /// Parses a `Retry-After` header: delta seconds, or an HTTP date relative to `now`.
    public static func parseRetryAfter(_ value: String?, now: Timestamp = .now()) -> Duration? {
        guard let value = value?.trimmingSpaces, !value.isEmpty else { return nil }
        if let seconds = Double(value) {
            // Clamp before converting: a huge or infinite value must not trap.
            guard seconds.isFinite, seconds >= 0 else { return seconds.isInfinite && seconds > 0 ? .seconds(86_400) : nil }
            return .milliseconds(Int64(min(seconds, 86_400) * 1000))
        }
        guard let date = HTTPDate.parse(value) else { return nil }
        let delta = date.microseconds - now.microseconds
        return .microseconds(max(0, delta))
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
