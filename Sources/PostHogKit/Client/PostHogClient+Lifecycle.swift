public import ServiceLifecycle
import Synchronization

extension PostHogClient: Service {
    /// Runs the client as a swift-service-lifecycle `Service`: it keeps working until graceful
    /// shutdown (or cancellation), then flushes within ``PostHogConfiguration/shutdownTimeout``
    /// and returns. A direct ``shutdown(timeout:)`` also ends it. A disabled client just waits.
    public func run() async throws {
        guard !configuration.disabled else {
            try? await gracefulShutdown()
            return
        }
        start()
        await withTaskCancellationOrGracefulShutdownHandler {
            await self.waitForStopRequest()
        } onCancelOrGracefulShutdown: {
            self.requestStop()
        }
        await shutdown(timeout: configuration.shutdownTimeout)
    }

    /// Flushes within ``PostHogConfiguration/shutdownTimeout``, stops the worker and releases
    /// connections; see ``shutdown(timeout:)``.
    public func shutdown() async {
        await shutdown(timeout: configuration.shutdownTimeout)
    }

    /// Sends what is queued for at most `timeout`, then drops what is left (reported through
    /// `onError`, kind `shutdownTimedOut`), stops the worker and releases connections.
    ///
    /// Later captures are refused (reported as `shutDown`); flag reads still answer from the
    /// definitions held. Calling it again waits for the first call. Returns within `timeout`
    /// plus a short grace for an in-flight request to be cancelled.
    public func shutdown(timeout: Duration) async {
        guard !configuration.disabled else { return }
        let task = state.withLock { s -> Task<Void, Never> in
            if let task = s.shutdownTask { return task }
            let task = Task { [self] in await self.performShutdown(deadline: ContinuousClock.now + timeout) }
            s.shutdownTask = task
            return task
        }
        await task.value
    }

    private func performShutdown(deadline: ContinuousClock.Instant) async {
        let (worker, ticker, wakeups) = state.withLock { s in
            s.shutDown = true
            s.stopRequested = true
            s.queue.close()
            var wakeups = s.takeSpaceWaiters()
            if let wake = s.takeWakeup() { wakeups.append(wake) }
            if let stop = s.stopWaiter.take() { wakeups.append(stop) }
            return (s.worker, s.ticker, wakeups)
        }
        for wakeup in wakeups { wakeup.resume() }
        ticker?.cancel()
        featureFlags.stop()
        if let worker, await !TaskDeadline.wait(for: worker, until: deadline) {
            worker.cancel()
            if await !TaskDeadline.wait(for: worker, until: ContinuousClock.now + .milliseconds(500)) {
                // The transport ignores cancellation: count its batch now; the worker will not.
                let stranded = state.withLock { s in
                    s.abandoned = true
                    s.queue.settle(s.inFlight)
                    return s.inFlight
                }
                recordDrop(stranded, .shutdownTimedOut)
            }
        }
        let (left, drops, flushes) = state.withLock { s in
            let left = s.queue.takeAll()
            s.queue.settle(left)
            let flushes = s.flushWaiters.map(\.continuation)
            s.flushWaiters = []
            return (left, s.drops.takeAll(), flushes)
        }
        reportDrops(drops)
        if left > 0 { recordDrop(left, .shutdownTimedOut) }
        reportDrops(state.withLock { $0.drops.takeAll() })
        for flush in flushes { flush.resume() }
        if ownsTransport { await sender.transport.shutdown() }
    }

    private func waitForStopRequest() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.stopRequested { return true }
                s.stopWaiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func requestStop() {
        state.withLock { s in
            s.stopRequested = true
            return s.stopWaiter.take()
        }?.resume()
    }
}
