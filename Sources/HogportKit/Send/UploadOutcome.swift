public import PostHogKit
import PostHogCore

/// What happened to one upload: the server's report, or why it failed.
public struct UploadOutcome: Sendable {
    public var batch: UploadBatch
    public var result: Result<DeliveryReport, PostHogError>
    /// Seconds from the request's start (after any rate wait) to its end.
    public var seconds: Double

    /// Whether the upload met back-pressure (a retry or a failure), which lowers concurrency.
    public var metBackPressure: Bool {
        switch result {
        case .success(let report): return report.retries > 0
        case .failure: return true
        }
    }

    /// Sends `batch` through `sender` after waiting `wait` seconds for the rate.
    static func upload(
        _ batch: UploadBatch, through sender: BatchSender, after wait: Double, sleep: @Sendable (Duration) async throws -> Void
    ) async -> UploadOutcome {
        if wait > 0 {
            do {
                try await sleep(.milliseconds(Int64(wait * 1000)))
            } catch {
                return UploadOutcome(batch: batch, result: .failure(PostHogError(.cancelled, "cancelled", eventCount: batch.events.count)), seconds: 0)
            }
        }
        let start = ContinuousClock.now
        let result: Result<DeliveryReport, PostHogError>
        do throws(PostHogError) {
            result = .success(try await sender.deliver(batch.events))
        } catch {
            result = .failure(error)
        }
        return UploadOutcome(batch: batch, result: result, seconds: (ContinuousClock.now - start).seconds)
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
