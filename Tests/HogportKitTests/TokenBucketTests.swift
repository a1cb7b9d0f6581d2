import HogportKit
import PostHogCore
import Testing

/// TokenBucket: driven with explicit times, never sleeps.
@Suite("TokenBucket")
struct TokenBucketTests {
    @Test("a full bucket lends a second of tokens at once; beyond that, the wait is the debt over the rate")
    func waits() {
        var bucket = TokenBucket(rate: 100, now: 0)
        #expect(bucket.take(100, now: 0) == 0)
        #expect(abs(bucket.take(1, now: 0) - 0.01) < 1e-9)
        #expect(abs(bucket.take(99, now: 0) - 1.0) < 1e-9)
        // After the debt is paid back, a full second accrues again.
        #expect(abs(bucket.take(100, now: 1.0) - 1.0) < 1e-9)
        #expect(bucket.take(100, now: 3.0) == 0)
    }

    @Test("tokens never accrue beyond the capacity (one second of rate)")
    func capacity() {
        var bucket = TokenBucket(rate: 50, now: 10)
        #expect(bucket.capacity == 50)
        #expect(bucket.take(10, now: 10) == 0)
        // A long idle time does not bank more than a second.
        #expect(abs(bucket.take(100, now: 1_000) - 1.0) < 1e-9)
        var slow = TokenBucket(rate: 0.5, now: 0)
        #expect(slow.capacity == 1)
        #expect(slow.take(1, now: 0) == 0)
        #expect(abs(slow.take(1, now: 0) - 2.0) < 1e-9)
    }

    @Test("rate 0 (or less) is unlimited")
    func unlimited() {
        for rate in [0.0, -5.0] {
            var bucket = TokenBucket(rate: rate, now: 0)
            #expect(bucket.take(1_000_000_000, now: 0) == 0)
            #expect(bucket.take(1_000_000_000, now: 0) == 0)
        }
    }

    @Test("a clock that goes backwards neither refills nor breaks the bucket")
    func backwardsClock() {
        var bucket = TokenBucket(rate: 10, now: 100)
        #expect(bucket.take(10, now: 100) == 0)
        #expect(abs(bucket.take(10, now: 50) - 1.0) < 1e-9)
    }

    @Test("paced batches average the rate: 1,000 events at 100/s take 9 s of waiting after the first second's burst")
    func pacing() {
        var bucket = TokenBucket(rate: 100, now: 0)
        var now = 0.0
        var waited = 0.0
        for _ in 0..<20 {
            let wait = bucket.take(50, now: now)
            waited += wait
            now += wait
        }
        #expect(abs(waited - 9.0) < 1e-6)
        #expect(abs(now - 9.0) < 1e-6)
    }
}
