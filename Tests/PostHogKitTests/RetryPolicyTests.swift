import Foundation
import PostHogCore
import PostHogKit
import Testing

@Suite("RetryPolicy")
struct RetryPolicyTests {
    let policy = RetryPolicy(maxRetries: 5, baseDelay: .milliseconds(500), maxDelay: .seconds(30), maxRetryAfter: .seconds(120))

    @Test("2xx is delivered", arguments: [200, 201, 202, 204, 299])
    func delivered(status: Int) {
        #expect(policy.decide(.status(status, retryAfter: nil), attempt: 1, jitter: 0.5) == .delivered)
    }

    @Test("408, 429, 5xx and transport errors are retried", arguments: [408, 429, 500, 502, 503, 504, 599])
    func retried(status: Int) {
        guard case .retry = policy.decide(.status(status, retryAfter: nil), attempt: 1, jitter: 0.5) else {
            Issue.record("\(status) is not retried")
            return
        }
    }

    @Test("A transport error is retried")
    func transportError() {
        guard case .retry = policy.decide(.transportError("connection reset"), attempt: 3, jitter: 0) else {
            Issue.record("not retried")
            return
        }
    }

    @Test("413 splits, 400 bisects, 401/403 are fatal, other statuses unexpected")
    func otherStatuses() {
        #expect(policy.decide(.status(413, retryAfter: nil), attempt: 1, jitter: 0) == .split)
        #expect(policy.decide(.status(400, retryAfter: nil), attempt: 1, jitter: 0) == .bisect)
        #expect(policy.decide(.status(401, retryAfter: nil), attempt: 1, jitter: 0) == .fatalAuthentication(status: 401))
        #expect(policy.decide(.status(403, retryAfter: .seconds(5)), attempt: 2, jitter: 0) == .fatalAuthentication(status: 403))
        for status in [404, 405, 301, 302, 100, 402, 415, 422] {
            #expect(policy.decide(.status(status, retryAfter: nil), attempt: 1, jitter: 0) == .unexpected(status: status), "\(status)")
        }
        // None of these are retried even on a late attempt.
        #expect(policy.decide(.status(413, retryAfter: nil), attempt: 99, jitter: 0) == .split)
    }

    @Test("Backoff doubles per attempt, within the jitter bounds [½, 1] of the nominal delay")
    func exponentialBackoff() {
        for attempt in 1...6 {
            let nominal = Duration.milliseconds(500) * (1 << (attempt - 1))
            #expect(policy.delay(attempt: attempt, retryAfter: nil, jitter: 1) == nominal, "attempt \(attempt)")
            #expect(policy.delay(attempt: attempt, retryAfter: nil, jitter: 0) == nominal / 2, "attempt \(attempt)")
            for jitter in stride(from: 0.0, through: 1.0, by: 0.125) {
                let d = policy.delay(attempt: attempt, retryAfter: nil, jitter: jitter)
                #expect(d >= nominal / 2 && d <= nominal, "attempt \(attempt), jitter \(jitter): \(d)")
            }
            guard attempt <= policy.maxRetries else { continue }
            guard case .retry(let after) = policy.decide(.status(503, retryAfter: nil), attempt: attempt, jitter: 0.25) else {
                Issue.record("attempt \(attempt) not retried")
                continue
            }
            #expect(after == policy.delay(attempt: attempt, retryAfter: nil, jitter: 0.25))
        }
        // Out-of-range jitter is clamped, not trusted.
        #expect(policy.delay(attempt: 1, retryAfter: nil, jitter: 7) == .milliseconds(500))
        #expect(policy.delay(attempt: 1, retryAfter: nil, jitter: -3) == .milliseconds(250))
    }

    @Test("Backoff is capped at maxDelay, however many attempts")
    func cappedBackoff() {
        #expect(policy.delay(attempt: 7, retryAfter: nil, jitter: 1) == .seconds(30))
        #expect(policy.delay(attempt: 60, retryAfter: nil, jitter: 1) == .seconds(30))
        #expect(policy.delay(attempt: Int.max, retryAfter: nil, jitter: 1) == .seconds(30))
        #expect(policy.delay(attempt: 60, retryAfter: nil, jitter: 0) == .seconds(15))
        #expect(policy.delay(attempt: 0, retryAfter: nil, jitter: 1) == .milliseconds(500))
    }

    @Test("Retry-After is a floor, itself capped at maxRetryAfter")
    func retryAfterFloor() {
        #expect(policy.delay(attempt: 1, retryAfter: .seconds(7), jitter: 1) == .seconds(7))
        #expect(policy.delay(attempt: 1, retryAfter: .milliseconds(10), jitter: 1) == .milliseconds(500), "a short Retry-After does not shorten backoff")
        #expect(policy.delay(attempt: 1, retryAfter: .seconds(90), jitter: 0) == .seconds(90), "above maxDelay is honoured")
        #expect(policy.delay(attempt: 1, retryAfter: .seconds(3600), jitter: 0) == .seconds(120))
        #expect(policy.decide(.status(429, retryAfter: .seconds(7)), attempt: 1, jitter: 0) == .retry(after: .seconds(7)))
    }

    @Test("Gives up after maxRetries retries: attempt maxRetries+1 is the last")
    func givesUp() {
        for attempt in 1...5 {
            guard case .retry = policy.decide(.status(503, retryAfter: nil), attempt: attempt, jitter: 0) else {
                Issue.record("attempt \(attempt) should retry")
                continue
            }
        }
        guard case .giveUp(let reason) = policy.decide(.status(503, retryAfter: nil), attempt: 6, jitter: 0) else {
            Issue.record("attempt 6 should give up")
            return
        }
        #expect(reason.contains("503"))
        guard case .giveUp(let message) = policy.decide(.transportError("boom"), attempt: 6, jitter: 0) else {
            Issue.record("transport errors give up too")
            return
        }
        #expect(message.contains("boom"))
        let never = RetryPolicy(maxRetries: 0)
        guard case .giveUp = never.decide(.status(500, retryAfter: nil), attempt: 1, jitter: 0) else {
            Issue.record("maxRetries 0 gives up at once")
            return
        }
    }

    @Test("Retry-After parses delta seconds")
    func parseSeconds() {
        #expect(RetryPolicy.parseRetryAfter("7") == .seconds(7))
        #expect(RetryPolicy.parseRetryAfter(" 120 ") == .seconds(120))
        #expect(RetryPolicy.parseRetryAfter("0") == .zero)
        #expect(RetryPolicy.parseRetryAfter("1.5") == .milliseconds(1500))
        #expect(RetryPolicy.parseRetryAfter(nil) == nil)
        #expect(RetryPolicy.parseRetryAfter("") == nil)
        #expect(RetryPolicy.parseRetryAfter("-3") == nil)
        #expect(RetryPolicy.parseRetryAfter("soon") == nil)
        #expect(RetryPolicy.parseRetryAfter("nan") == nil)
    }

    @Test("Retry-After parses an HTTP date relative to now; a past one is zero")
    func parseHTTPDate() throws {
        let now = try #require(Timestamp(iso8601: "2025-01-02T03:04:05Z"))
        #expect(RetryPolicy.parseRetryAfter("Thu, 02 Jan 2025 03:04:35 GMT", now: now) == .seconds(30))
        #expect(RetryPolicy.parseRetryAfter("Fri, 03 Jan 2025 03:04:05 GMT", now: now) == .seconds(86_400))
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == .zero)
        #expect(RetryPolicy.parseRetryAfter("Thu, 02 Jan 2025 03:04:35 PST", now: now) == nil)
        #expect(RetryPolicy.parseRetryAfter("Thu, 32 Jan 2025 03:04:35 GMT", now: now) == nil)
        #expect(RetryPolicy.parseRetryAfter("02 Jan 2025 03:04:35 GMT", now: now) == nil)
    }

    @Test("An absurd numeric Retry-After does not crash the client; it is clamped or ignored")
    func parseHugeSeconds() async {
        // Double("1e30") and Double("inf") are >= 0, and Int64(Double) traps on them.
        do {
            await #expect(processExitsWith: .success) {
                for value in ["1e30", "inf", "9223372036854775807", "1e300"] {
                    let parsed = RetryPolicy.parseRetryAfter(value)
                    if let parsed, parsed < .zero { exit(2) }
                }
            }
        }
    }
}
