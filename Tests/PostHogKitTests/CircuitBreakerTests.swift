import PostHogKit
import Testing

@Suite("CircuitBreaker: a pure state machine driven by hand-made instants")
struct CircuitBreakerTests {
    let start = ContinuousClock.now
    let policy = CircuitBreaker.Policy(failureThreshold: 3, cooldown: .seconds(5), maxCooldown: .seconds(12))

    @Test("Opens after failureThreshold failures in a row; a success in between resets the count")
    func opensAfterThreshold() {
        var breaker = CircuitBreaker(policy: policy)
        breaker.recordFailure(now: start)
        breaker.recordFailure(now: start)
        breaker.recordSuccess()
        breaker.recordFailure(now: start)
        breaker.recordFailure(now: start)
        let permitted1 = breaker.permit(now: start)
        #expect(permitted1, "two failures in a row are below the threshold")
        breaker.recordFailure(now: start + .seconds(1))
        #expect(breaker.state == .open(until: start + .seconds(6), cooldown: .seconds(5)))
        let permitted2 = breaker.permit(now: start + .seconds(5))
        #expect(!permitted2)
        #expect(breaker.isRefusing(now: start + .seconds(5)))
    }

    @Test("After the cooldown one probe goes through; further requests wait for its outcome")
    func halfOpenProbe() {
        var breaker = CircuitBreaker(policy: policy)
        for _ in 0..<3 { breaker.recordFailure(now: start) }
        #expect(breaker.probeAt == start + .seconds(5))
        let permitted3 = breaker.permit(now: start + .seconds(5))
        #expect(permitted3)
        #expect(breaker.state == .halfOpen(cooldown: .seconds(5)))
        let permitted4 = breaker.permit(now: start + .seconds(5))
        #expect(!permitted4, "only one probe at a time")
        breaker.recordSuccess()
        #expect(breaker.state == .closed(failures: 0))
        let permitted5 = breaker.permit(now: start + .seconds(5))
        #expect(permitted5)
    }

    @Test("A failed probe reopens for twice the cooldown, capped at maxCooldown")
    func failedProbeBacksOff() {
        var breaker = CircuitBreaker(policy: policy)
        for _ in 0..<3 { breaker.recordFailure(now: start) }
        var now = start + .seconds(5)
        let permitted6 = breaker.permit(now: now)
        #expect(permitted6)
        breaker.recordFailure(now: now)
        #expect(breaker.state == .open(until: now + .seconds(10), cooldown: .seconds(10)))
        now = now + .seconds(10)
        let permitted7 = breaker.permit(now: now)
        #expect(permitted7)
        breaker.recordFailure(now: now)
        #expect(breaker.state == .open(until: now + .seconds(12), cooldown: .seconds(12)), "capped")
    }
}
