import HogportKit
import PostHogCore
import Testing

/// AdaptiveConcurrency: additive increase when the limit was reached and the round-trip time held,
/// x0.9 on back-pressure or a rising round-trip time, within 1...maximum. Driven with explicit times.
@Suite("AdaptiveConcurrency")
struct AdaptiveConcurrencyTests {
    /// Starts `n` requests.
    static func start(_ c: inout AdaptiveConcurrency, _ n: Int) {
        for _ in 0..<n { c.started() }
    }

    /// A controller with a baseline RTT of `rtt` established at time `now` (the limit reached).
    static func warmed(maximum: Int, initial: Int, rtt: Double = 0.1, now: Double = 0.1) -> AdaptiveConcurrency {
        var c = AdaptiveConcurrency(maximum: maximum, initial: initial)
        start(&c, c.limit)
        c.finished(rtt: rtt, backPressure: false, now: now)
        return c
    }

    @Test("the limit starts at initial, clamped to 1...maximum")
    func initialLimit() {
        #expect(AdaptiveConcurrency(maximum: 8).limit == 1)
        #expect(AdaptiveConcurrency(maximum: 8, initial: 3).limit == 3)
        #expect(AdaptiveConcurrency(maximum: 4, initial: 10).limit == 4)
        #expect(AdaptiveConcurrency(maximum: 4, initial: 0).limit == 1)
        #expect(AdaptiveConcurrency(maximum: 0).maximum == 1)
    }

    @Test("canStart follows requests in flight against the limit")
    func canStart() {
        var c = AdaptiveConcurrency(maximum: 4, initial: 2)
        #expect(c.canStart)
        c.started()
        #expect(c.canStart)
        c.started()
        #expect(!c.canStart)
        c.finished(rtt: 0.1, backPressure: false, now: 0.1)
        #expect(c.canStart)
    }

    @Test("adds one when the limit was reached and the round-trip time held")
    func increase() {
        var c = Self.warmed(maximum: 8, initial: 2)
        #expect(c.limit == 2)
        // One period (the mean RTT) later, a request with the same RTT completes.
        c.finished(rtt: 0.1, backPressure: false, now: 0.25)
        #expect(c.limit == 3)
        // Keep the pipe full, period after period.
        var now = 0.25
        for _ in 0..<3 {
            Self.start(&c, c.limit)
            now += 0.2
            c.finished(rtt: 0.1, backPressure: false, now: now)
        }
        #expect(c.limit == 6)
    }

    @Test("no increase while the limit is not reached")
    func noIncreaseBelowLimit() {
        var c = AdaptiveConcurrency(maximum: 8, initial: 4)
        c.started()
        c.finished(rtt: 0.1, backPressure: false, now: 0.1)
        var now = 0.1
        for _ in 0..<5 {
            c.started()
            now += 0.2
            // Faster than the baseline: no reason to cut either.
            c.finished(rtt: 0.09, backPressure: false, now: now)
        }
        #expect(c.limit == 4)
    }

    @Test("a steady round-trip time (neither rising nor failing) does not cut the limit")
    func steadyRTTKeepsLimit() {
        // docs/import.md: cut "on 429, 5xx, timeouts or a rising round-trip time". An unchanged
        // RTT is not rising, even while the RTT variance (and so the threshold) is still 0.
        var atMaximum = Self.warmed(maximum: 3, initial: 3)
        var now = 0.1
        for _ in 0..<4 {
            Self.start(&atMaximum, atMaximum.limit)
            now += 0.2
            atMaximum.finished(rtt: 0.1, backPressure: false, now: now)
            #expect(atMaximum.limit == 3, "at \(now)")
        }
        var belowLimit = AdaptiveConcurrency(maximum: 8, initial: 4)
        belowLimit.started()
        belowLimit.finished(rtt: 0.1, backPressure: false, now: 0.1)
        belowLimit.started()
        belowLimit.finished(rtt: 0.1, backPressure: false, now: 0.3)
        #expect(belowLimit.limit == 4)
    }

    @Test("no change within a period, however many requests complete")
    func oncePerPeriod() {
        var c = Self.warmed(maximum: 8, initial: 2, rtt: 1.0, now: 1.0)
        Self.start(&c, 2)
        c.finished(rtt: 1.0, backPressure: false, now: 1.2)
        c.finished(rtt: 1.0, backPressure: false, now: 1.5)
        #expect(c.limit == 2)
        c.finished(rtt: 1.0, backPressure: false, now: 2.0)
        #expect(c.limit == 3)
    }

    @Test("back-pressure cuts the limit by 10 % (rounded down) once per period")
    func decreaseOnBackPressure() {
        var c = Self.warmed(maximum: 64, initial: 30, rtt: 1.0, now: 1.0)
        Self.start(&c, 3)
        c.finished(rtt: 0.5, backPressure: true, now: 1.1)
        c.finished(rtt: 0.5, backPressure: true, now: 1.2)
        #expect(c.limit == 30)
        c.finished(rtt: 1.0, backPressure: true, now: 2.0)
        #expect(c.limit == 27)
        // Before any baseline, back-pressure also cuts at once.
        var cold = AdaptiveConcurrency(maximum: 64, initial: 20)
        Self.start(&cold, 20)
        cold.finished(rtt: 0, backPressure: true, now: 0.5)
        #expect(cold.limit == 18)
    }

    @Test("a rising round-trip time cuts the limit even without errors")
    func decreaseOnRisingRTT() {
        var c = Self.warmed(maximum: 16, initial: 10, rtt: 0.1, now: 0.1)
        Self.start(&c, 10)
        c.finished(rtt: 0.5, backPressure: false, now: 0.3)
        #expect(c.limit == 9)
    }

    @Test("never below 1")
    func floor() {
        var c = AdaptiveConcurrency(maximum: 8, initial: 3)
        var now = 0.0
        for _ in 0..<50 {
            c.started()
            now += 1
            c.finished(rtt: 0.01, backPressure: true, now: now)
            #expect(c.limit >= 1)
        }
        #expect(c.limit == 1)
    }

    @Test("never above the maximum")
    func ceiling() {
        var c = Self.warmed(maximum: 3, initial: 1)
        var now = 0.1
        for i in 0..<20 {
            Self.start(&c, c.limit)
            now += 0.2
            c.finished(rtt: 0.1 - 0.001 * Double(i), backPressure: false, now: now)
            #expect(c.limit <= 3)
        }
        #expect(c.limit == 3)
    }

    /// Simulates `rounds` full rounds against a server whose round-trip time is `rtt(limit, round)`:
    /// every round starts `limit` requests and completes them at their RTTs.
    static func simulate(maximum: Int, rounds: Int, rtt: (Int, Int) -> Double, backPressure: (Int) -> Bool = { _ in false }) -> [Int] {
        var c = AdaptiveConcurrency(maximum: maximum, initial: 2)
        var now = 0.0
        var limits: [Int] = []
        for round in 0..<rounds {
            let n = c.limit
            start(&c, n)
            var longest = 0.0
            for i in 0..<n {
                let t = rtt(n, round * 64 + i)
                longest = max(longest, t)
                c.finished(rtt: t, backPressure: backPressure(round), now: now + t)
            }
            now += longest
            limits.append(c.limit)
        }
        return limits
    }

    /// Deterministic noise in 0..<1.
    static func noise(_ i: Int) -> Double {
        var x = UInt64(i) &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 31
        x = x &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 29
        return Double(x % 10_000) / 10_000
    }

    @Test("a fast, healthy server: the limit climbs to the maximum despite noisy round-trip times")
    func findsCeiling() {
        // 1 ms +- 30 %, growing only slightly with concurrency: what a loopback sink looks like.
        let limits = Self.simulate(maximum: 16, rounds: 300) { n, i in 0.001 * (1 + 0.02 * Double(n)) * (0.7 + 0.6 * Self.noise(i)) }
        #expect(limits.last == 16, "limits: \(limits.suffix(20))")
    }

    @Test("a server whose latency doubles under load stops the climb and brings the limit down")
    func backsOffOnLatencyGrowth() {
        // Latency grows steeply past 6 in flight: the controller must not sit at the maximum.
        let limits = Self.simulate(maximum: 32, rounds: 400) { n, i in 0.001 * (n > 6 ? Double(n - 5) * 2 : 1) * (0.95 + 0.1 * Self.noise(i)) }
        #expect(limits.suffix(100).allSatisfy { $0 < 16 }, "limits: \(limits.suffix(20))")
    }

    @Test("429s and 5xx bring a high limit down to the floor")
    func backsOffOnErrors() {
        let limits = Self.simulate(maximum: 16, rounds: 400, rtt: { _, _ in 0.001 }, backPressure: { $0 >= 100 })
        #expect(limits[99] == 16)
        #expect(limits.last == 1)
    }
}
