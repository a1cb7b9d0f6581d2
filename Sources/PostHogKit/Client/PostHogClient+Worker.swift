import CoreMetrics
import Synchronization
import Logging

extension PostHogClient {
    private enum Step {
        case send([EncodedEvent])
        case drop(Int, PostHogError.Kind)
        case wait(until: ContinuousClock.Instant?)
        case stop
    }

    /// Takes batches out of the queue and delivers them, one at a time, until the queue is closed
    /// and empty. While the breaker is open it waits for the probe time; cancelled (a shutdown past
    /// its deadline), it drops what is left.
    func runWorker() async {
        while true {
            let (step, freed) = state.withLock { s in nextStep(&s) }
            for waiter in freed { waiter.resume() }
            switch step {
            case .stop:
                return
            case .wait(let until):
                await waitForWork(until: until)
            case .drop(let count, let kind):
                recordDrop(count, kind)
                settle(count)
            case .send(let batch):
                await send(batch)
            }
        }
    }

    private func nextStep(_ s: inout State) -> (Step, [CheckedContinuation<Void, Never>]) {
        if Task.isCancelled {
            let left = s.queue.takeAll()
            return (left > 0 ? .drop(left, .shutdownTimedOut) : .stop, s.takeSpaceWaiters())
        }
        if s.queue.shouldSend {
            if breaker.isRefusing {
                // The host is down: on shutdown drop what is queued, otherwise wait for the probe.
                guard s.queue.closed else { return (.wait(until: breaker.probeAt ?? .now + .milliseconds(100)), []) }
                return (.drop(s.queue.takeAll(), .hostUnavailable), s.takeSpaceWaiters())
            }
            _ = breaker.permit()
            let batch = s.queue.takeBatch()
            s.fullSince = nil
            s.inFlight = batch.count
            metrics.depth.record(s.queue.events.count)
            return (.send(batch), s.takeSpaceWaiters())
        }
        if s.queue.closed && s.queue.events.isEmpty { return (.stop, []) }
        return (.wait(until: nil), [])
    }

    /// Suspends until there is something to do, or until `until` (the breaker's probe time).
    private func waitForWork(until: ContinuousClock.Instant?) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if Task.isCancelled || s.queue.closed { return true }
                if until == nil && s.queue.shouldSend { return true }
                s.workerWakeup = continuation
                return false
            }
            if ready { return continuation.resume() }
            guard let until else { return }
            Task { [weak self] in
                try? await Task.sleep(until: until, clock: .continuous)
                self?.wakeWorker()
            }
        }
    }

    private func send(_ batch: [EncodedEvent]) async {
        let outcome: Result<DeliveryReport, PostHogError>
        do {
            outcome = .success(try await sender.deliver(batch))
        } catch {
            outcome = .failure(error)
        }
        // A shutdown that gave up on this batch has counted it already.
        guard !state.withLock({ $0.abandoned }) else { return }
        do {
            let report = try outcome.get()
            metrics.sent.increment(by: report.delivered)
            if !report.rejected.isEmpty {
                metrics.rejected.increment(by: report.rejected.count)
                let reasons = report.rejected.prefix(3).map { "\($0.event.uuid): \($0.reason)" }.joined(separator: "; ")
                self.report(
                    PostHogError(
                        .eventsRejected, "the server rejected \(report.rejected.count) event(s): \(reasons)", status: report.rejected.first?.status,
                        eventCount: report.rejected.count))
            }
            configuration.logger.debug("batch sent", metadata: ["delivered": "\(report.delivered)", "requests": "\(report.requests)"])
        } catch  where error.kind == .hostUnavailable && error.eventCount == batch.count {
            // The breaker opened during this batch: keep it for the probe instead of dropping it.
            state.withLock {
                $0.queue.requeue(batch)
                $0.inFlight = 0
            }
            configuration.logger.warning("host unavailable; \(batch.count) events kept for the next probe")
            return
        } catch {
            metrics.drop(error.eventCount, ClientMetrics.reason(for: error.kind))
            report(error)
        }
        settle(batch.count)
    }

    /// Marks `count` events as settled and releases the flushes that waited for them.
    private func settle(_ count: Int) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.queue.settle(count)
            s.inFlight = 0
            let settled = s.queue.settled
            let ready = s.flushWaiters.filter { $0.target <= settled }.map(\.continuation)
            s.flushWaiters.removeAll { $0.target <= settled }
            return ready
        }
        for waiter in waiters { waiter.resume() }
    }
}
