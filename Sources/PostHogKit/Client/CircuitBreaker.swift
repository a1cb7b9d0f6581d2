/// Stops a client from hammering a host that keeps failing: after `failureThreshold` failed
/// attempts in a row it opens for a cooldown, then lets one probe through (half-open). A probe that
/// works closes it; one that fails opens it again for twice the cooldown, up to `maxCooldown`.
///
/// A pure value: every decision takes the current instant, so tests drive time by hand.
public struct CircuitBreaker: Sendable, Equatable {
    /// When the breaker opens and how long it stays open.
    public struct Policy: Sendable, Equatable {
        /// Failed attempts in a row that open the breaker.
        public var failureThreshold: Int
        /// The first open period.
        public var cooldown: Duration
        /// The longest open period.
        public var maxCooldown: Duration

        public init(failureThreshold: Int = 5, cooldown: Duration = .seconds(5), maxCooldown: Duration = .seconds(60)) {
            self.failureThreshold = max(1, failureThreshold)
            self.cooldown = cooldown
            self.maxCooldown = max(cooldown, maxCooldown)
        }
    }

    /// Where the breaker is.
    public enum State: Sendable, Equatable {
        /// Requests flow; `failures` failed in a row so far.
        case closed(failures: Int)
        /// No requests until `until`; `cooldown` is the period that opened it.
        case open(until: ContinuousClock.Instant, cooldown: Duration)
        /// One probe is in flight; its outcome decides.
        case halfOpen(cooldown: Duration)
    }

    public let policy: Policy
    public private(set) var state: State = .closed(failures: 0)

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Whether a request may go now. An open breaker whose cooldown is over lets this one request
    /// through as the probe (and turns half-open).
    public mutating func permit(now: ContinuousClock.Instant) -> Bool {
        switch state {
        case .closed: return true
        case .halfOpen: return false
        case .open(let until, let cooldown):
            guard now >= until else { return false }
            state = .halfOpen(cooldown: cooldown)
            return true
        }
    }

    /// Whether requests are refused now (open, before its probe time, or a probe in flight).
    public func isRefusing(now: ContinuousClock.Instant) -> Bool {
        switch state {
        case .closed: return false
        case .halfOpen: return true
        case .open(let until, _): return now < until
        }
    }

    /// When an open breaker lets its probe through; nil when not open.
    public var probeAt: ContinuousClock.Instant? {
        if case .open(let until, _) = state { return until }
        return nil
    }

    /// The host answered (any status that is not overload).
    public mutating func recordSuccess() {
        state = .closed(failures: 0)
    }

    /// An attempt failed with a network error, a timeout, 408, 429 or 5xx.
    public mutating func recordFailure(now: ContinuousClock.Instant) {
        switch state {
        case .closed(let failures):
            if failures + 1 >= policy.failureThreshold {
                state = .open(until: now + policy.cooldown, cooldown: policy.cooldown)
            } else {
                state = .closed(failures: failures + 1)
            }
        case .halfOpen(let cooldown):
            let next = min(cooldown * 2, policy.maxCooldown)
            state = .open(until: now + next, cooldown: next)
        case .open:
            break
        }
    }
}
