import CoreMetrics
import Synchronization
public import PostHogCore

extension PostHogClient {
    /// Queues `event`, waiting as long as it takes while the queue is full: back-pressure for
    /// scripts and backfills. Request paths use `capture`, whose wait is bounded.
    ///
    /// - Returns: true when queued; false when the event was dropped by `beforeSend`, refused (too
    ///   large, or the client is shut down; reported through `onError`), or the client is disabled.
    @discardableResult
    public func enqueue(_ event: PostHogEvent) async -> Bool {
        await submit(event, maxWait: nil)
    }

    /// Queues `event` without waiting.
    /// - Throws: ``PostHogError`` `queueFull`, `eventTooLarge` or `shutDown`. A disabled client and
    ///   an event dropped by `beforeSend` throw nothing.
    public func tryCapture(_ event: PostHogEvent) throws(PostHogError) {
        guard !configuration.disabled, let prepared = prepare(event) else { return }
        let encoded = try EncodedEvent(prepared).trimmed()
        start()
        switch offer(encoded) {
        case .accepted: return
        case .full:
            throw PostHogError(.queueFull, "the event queue is full (\(configuration.maxQueueSize) events)", eventCount: 1)
        case .closed:
            throw PostHogError(.shutDown, "the client is shut down", eventCount: 1)
        }
    }

    /// Prepares, encodes and queues `event`, waiting at most `maxWait` for room (nil: no limit).
    func submit(_ event: PostHogEvent, maxWait: Duration?) async -> Bool {
        guard !configuration.disabled, let prepared = prepare(event) else { return false }
        let encoded: EncodedEvent
        do {
            encoded = try EncodedEvent(prepared).trimmed()
        } catch {
            metrics.drop(1, .tooLarge)
            report(error)
            return false
        }
        start()
        let deadline = maxWait.map { ContinuousClock.now + $0 }
        while true {
            switch offer(encoded) {
            case .accepted:
                return true
            case .closed:
                report(PostHogError(.shutDown, "the client is shut down; event '\(event.event)' was not queued", eventCount: 1))
                return false
            case .full:
                if let maxWait, let kind = dropKind(deadline: deadline, maxWait: maxWait) {
                    recordDrop(1, kind)
                    return false
                }
                await waitForSpace(until: deadline)
            }
        }
    }

    /// Why a capture facing a full queue drops now, or nil to wait: the breaker is open (the worker
    /// is not sending), the caller's deadline passed, or the queue has been stuck full for longer
    /// than one capture may wait (so every later capture would only time out too).
    private func dropKind(deadline: ContinuousClock.Instant?, maxWait: Duration) -> PostHogError.Kind? {
        if breaker.isRefusing { return .hostUnavailable }
        let now = ContinuousClock.now
        if let deadline, now >= deadline { return .queueFull }
        let stuck = state.withLock { s -> Bool in
            guard let since = s.fullSince else {
                s.fullSince = now
                return false
            }
            return now - since >= maxWait
        }
        return stuck ? .queueFull : nil
    }

    /// Puts one encoded event in the queue if there is room, waking the worker when a batch is due.
    func offer(_ encoded: EncodedEvent) -> ClientQueue.EnqueueResult {
        let (result, wake, depth) = state.withLock { s -> (ClientQueue.EnqueueResult, CheckedContinuation<Void, Never>?, Int) in
            let r = s.queue.enqueue(encoded)
            return (r, r == .accepted && s.queue.shouldSend ? s.takeWakeup() : nil, s.queue.events.count)
        }
        wake?.resume()
        if result == .accepted {
            metrics.queued.increment()
            metrics.depth.record(depth)
        }
        return result
    }

    /// Suspends until the worker frees room, the client closes, or `deadline` passes.
    private func waitForSpace(until deadline: ContinuousClock.Instant?) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id = state.withLock { s -> Int? in
                if s.queue.hasSpace || s.queue.closed { return nil }
                let id = s.nextWaiter
                s.nextWaiter += 1
                s.spaceWaiters[id] = continuation
                return id
            }
            guard let id else { return continuation.resume() }
            guard let deadline else { return }
            Task { [weak self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                self?.state.withLock { $0.spaceWaiters.removeValue(forKey: id) }?.resume()
            }
        }
    }

    /// Adds super properties and the library's properties the caller did not set, then applies
    /// `beforeSend`; nil when `beforeSend` dropped the event (counted, not reported).
    func prepare(_ event: PostHogEvent) -> PostHogEvent? {
        var event = event
        for (key, value) in configuration.superProperties where event.properties[key] == nil {
            event.properties[key] = value
        }
        if event.properties["$lib"] == nil { event.properties["$lib"] = .string(PostHogKitInfo.libraryName) }
        if event.properties["$lib_version"] == nil { event.properties["$lib_version"] = .string(PostHogKitInfo.version) }
        // A server-side library, as PostHog's server SDKs mark their events.
        if event.properties["$is_server"] == nil { event.properties["$is_server"] = true }
        if configuration.disableGeoIP && event.properties["$geoip_disable"] == nil { event.properties["$geoip_disable"] = true }
        guard let beforeSend = configuration.beforeSend else { return event }
        guard let kept = beforeSend(event) else {
            metrics.drop(1, .beforeSend)
            return nil
        }
        return kept
    }

    /// Sends everything queued before this call and waits until each event is delivered or its
    /// failure reported. While the circuit breaker is open this lasts until its next probe.
    public func flush() async {
        guard !configuration.disabled else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (done, wake) = state.withLock { s -> (Bool, CheckedContinuation<Void, Never>?) in
                if s.queue.isIdle || !s.started { return (true, nil) }
                s.flushWaiters.append((s.queue.accepted, continuation))
                s.queue.drainRequested = true
                return (false, s.takeWakeup())
            }
            wake?.resume()
            if done { continuation.resume() }
        }
    }
}
