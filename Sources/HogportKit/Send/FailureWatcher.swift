import Logging
import PostHogKit
import PostHogCore
import Synchronization

/// Makes a failing server visible from its first failed attempt: counts retries and the last
/// error in the live progress, and logs the first failure, then at most one line every 10 seconds
/// while failures go on.
final class FailureWatcher: Sendable {
    let host: String
    let live: LiveProgress
    let logger: Logger
    private let state = Mutex<(failures: Int, lastLog: ContinuousClock.Instant?)>((0, nil))

    init(host: String, live: LiveProgress, logger: Logger) {
        self.host = host
        self.live = live
        self.logger = logger
    }

    /// Sees one HTTP attempt.
    func observe(_ attempt: DeliveryAttempt) {
        guard attempt.isBackpressure else { return }
        let error = Self.describe(attempt)
        live.withLock {
            $0.retries += 1
            $0.lastError = error
        }
        let now = ContinuousClock.now
        let (count, shouldLog) = state.withLock { state -> (Int, Bool) in
            state.failures += 1
            guard state.lastLog.map({ now - $0 >= .seconds(10) }) ?? true else { return (state.failures, false) }
            state.lastLog = now
            return (state.failures, true)
        }
        if shouldLog {
            logger.warning("\(host): \(error); retrying with backoff (\(count) failed attempts so far)", metadata: ["host": "\(host)", "failures": "\(count)"])
        }
    }

    static func describe(_ attempt: DeliveryAttempt) -> String {
        guard let status = attempt.status else { return "no answer (connection refused, reset or timed out)" }
        switch status {
        case 429: return "HTTP 429 (rate limited)"
        case 500...599: return "HTTP \(status) (server error)"
        default: return "HTTP \(status)"
        }
    }
}
