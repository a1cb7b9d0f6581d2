import Foundation
import HogportKit
import PostHogCore

/// What every long-running command (import, export) does around its work: the first SIGINT or
/// SIGTERM asks the work to stop cleanly (a second one ends the process at once, which the
/// checkpoints survive), a ticker reports progress, and the reporter gets its last line.
enum CommandHarness {
    /// Runs `work` to its end and returns its result.
    ///
    /// - Parameters:
    ///   - stopNotice: printed on stderr when a signal arrives.
    ///   - requestStop: asks the work to stop.
    ///   - interval: how often `tick` reports progress.
    static func run<Success: Sendable>(
        stopNotice: String,
        requestStop: @escaping @Sendable () -> Void,
        interval: Duration,
        tick: @escaping @Sendable () -> Void,
        work: @escaping @Sendable () async throws -> Success
    ) async -> Result<Success, any Error> {
        let task = Task { try await work() }
        let signals = Task {
            guard let signal = await SignalWaiter.wait() else { return }
            FileHandle.standardError.write(
                Data("\nhogport: signal \(signal): \(stopNotice) (a second signal quits at once; the checkpoint stays consistent)\n".utf8))
            requestStop()
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                tick()
            }
        }
        let result = await task.result
        ticker.cancel()
        signals.cancel()
        return result
    }
}
