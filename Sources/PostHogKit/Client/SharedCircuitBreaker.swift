import Synchronization

/// A ``CircuitBreaker`` behind a lock, shared by the client's worker and its ``BatchSender``.
final class SharedCircuitBreaker: Sendable {
    private let breaker: Mutex<CircuitBreaker>
    let now: @Sendable () -> ContinuousClock.Instant

    init(policy: CircuitBreaker.Policy, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        breaker = Mutex(CircuitBreaker(policy: policy))
        self.now = now
    }

    var isRefusing: Bool { breaker.withLock { $0.isRefusing(now: now()) } }
    var probeAt: ContinuousClock.Instant? { breaker.withLock { $0.probeAt } }
    var state: CircuitBreaker.State { breaker.withLock { $0.state } }

    func permit() -> Bool { breaker.withLock { $0.permit(now: now()) } }

    /// Records one HTTP attempt as the sender's observer reports it.
    func record(_ attempt: DeliveryAttempt) {
        breaker.withLock { attempt.isBackpressure ? $0.recordFailure(now: now()) : $0.recordSuccess() }
    }
}
