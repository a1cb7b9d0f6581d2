public import Foundation
import Logging
import Synchronization

/// A server-side PostHog client: capture, identify, alias and group identify into a bounded
/// queue that a background worker sends in batches.
///
/// ```swift
/// let posthog = PostHogClient(configuration: PostHogConfiguration(apiKey: "phc_…"))
/// await posthog.capture(distinctId: "user-1", event: "movie played", properties: ["genre": "noir"])
/// await posthog.shutdown()   // flushes what is queued
/// ```
///
/// A full queue makes `capture` wait for space (back-pressure) instead of dropping; ``tryCapture(_:)``
/// throws ``PostHogError/Kind/queueFull`` instead of waiting. Events are never dropped silently:
/// whatever fails reaches ``PostHogConfiguration/onError`` and the logger.
public final class PostHogClient: Sendable {
    /// The configuration the client was made with.
    public let configuration: PostHogConfiguration
    let sender: BatchSender
    let featureFlags: FeatureFlags
    private let ownsTransport: Bool

    struct State {
        var queue: ClientQueue
        var spaceWaiters: [CheckedContinuation<Void, Never>] = []
        var flushWaiters: [(target: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        var workerWakeup: CheckedContinuation<Void, Never>?
        var worker: Task<Void, Never>?
        var ticker: Task<Void, Never>?
        var shutDown = false
    }

    let state: Mutex<State>

    /// Creates a client and starts its background worker.
    public init(configuration: PostHogConfiguration) {
        self.configuration = configuration
        let transport = configuration.transport ?? AsyncHTTPClientTransport(maximumConnections: 2)
        ownsTransport = configuration.transport == nil
        let policy = configuration.retryPolicy
        sender = BatchSender(
            apiKey: configuration.apiKey, host: configuration.host, transport: transport, gzip: configuration.gzip,
            historicalMigration: configuration.historicalMigration, requestTimeout: configuration.requestTimeout,
            retryPolicy: policy, logger: configuration.logger, sleep: configuration.sleep)
        featureFlags = FeatureFlags(configuration: configuration, transport: transport)
        state = Mutex(
            State(
                queue: ClientQueue(
                    capacity: configuration.maxQueueSize, flushAt: configuration.flushAt,
                    maxBatchBytes: configuration.maxBatchBytes - BatchBody.overhead(apiKeyLength: configuration.apiKey.utf8.count))))
        let worker = Task { [self] in await self.runWorker() }
        let interval = configuration.flushInterval
        let ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self else { return }
                self.requestDrain()
            }
        }
        state.withLock {
            $0.worker = worker
            $0.ticker = ticker
        }
        featureFlags.start()
    }

    /// Creates a client for `apiKey` at `host` with default options.
    public convenience init(apiKey: String, host: String = "https://us.i.posthog.com") {
        self.init(configuration: PostHogConfiguration(apiKey: apiKey, host: host))
    }

    /// Runs `body` with a client and shuts it down afterwards, flushing what it queued.
    public static func withClient<Result>(
        _ configuration: PostHogConfiguration, _ body: (PostHogClient) async throws -> Result
    ) async rethrows -> Result {
        let client = PostHogClient(configuration: configuration)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    // MARK: Queueing

    /// Queues `event`, waiting while the queue is full.
    ///
    /// - Returns: true when queued; false when the event was refused (too large, or the client is
    ///   shut down), which is also reported through `onError`.
    @discardableResult
    public func enqueue(_ event: PostHogEvent) async -> Bool {
        let encoded: EncodedEvent
        do {
            encoded = try EncodedEvent(prepare(event))
        } catch {
            report(error)
            return false
        }
        while true {
            let (result, wake) = state.withLock { s -> (ClientQueue.EnqueueResult, CheckedContinuation<Void, Never>?) in
                let r = s.queue.enqueue(encoded)
                return (r, r != .closed && s.queue.shouldSend ? s.takeWakeup() : nil)
            }
            wake?.resume()
            switch result {
            case .accepted:
                return true
            case .closed:
                report(PostHogError(.shutDown, "the client is shut down; event '\(event.event)' was not queued", eventCount: 1))
                return false
            case .full:
                // Back-pressure: wait until the worker takes a batch out, then try again.
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { s -> Bool in
                        if s.queue.hasSpace || s.queue.closed { return true }
                        s.spaceWaiters.append(continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
        }
    }

    /// Queues `event` without waiting.
    /// - Throws: ``PostHogError`` `queueFull`, `eventTooLarge` or `shutDown`.
    public func tryCapture(_ event: PostHogEvent) throws(PostHogError) {
        let encoded = try EncodedEvent(prepare(event))
        let (result, wake) = state.withLock { s -> (ClientQueue.EnqueueResult, CheckedContinuation<Void, Never>?) in
            let r = s.queue.enqueue(encoded)
            return (r, r == .accepted && s.queue.shouldSend ? s.takeWakeup() : nil)
        }
        wake?.resume()
        switch result {
        case .accepted: return
        case .full:
            throw PostHogError(.queueFull, "the event queue is full (\(configuration.maxQueueSize) events)", eventCount: 1)
        case .closed:
            throw PostHogError(.shutDown, "the client is shut down", eventCount: 1)
        }
    }

    /// Adds the library properties the caller did not set.
    func prepare(_ event: PostHogEvent) -> PostHogEvent {
        var event = event
        if event.properties["$lib"] == nil { event.properties["$lib"] = .string(PostHogKitInfo.libraryName) }
        if event.properties["$lib_version"] == nil { event.properties["$lib_version"] = .string(PostHogKitInfo.version) }
        // A server-side library, as PostHog's server SDKs mark their events.
        if event.properties["$is_server"] == nil { event.properties["$is_server"] = true }
        return event
    }

    func report(_ error: PostHogError) {
        configuration.logger.error("\(error)", metadata: ["kind": "\(error.shortDescription)"])
        configuration.onError?(error)
    }

    // MARK: Flushing

    /// Sends everything queued before this call and waits until each event is delivered or its
    /// failure reported.
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (done, wake) = state.withLock { s -> (Bool, CheckedContinuation<Void, Never>?) in
                if s.queue.isIdle { return (true, nil) }
                s.flushWaiters.append((s.queue.accepted, continuation))
                s.queue.drainRequested = true
                return (false, s.takeWakeup())
            }
            wake?.resume()
            if done { continuation.resume() }
        }
    }

    /// Flushes, stops the worker, and releases connections. Later captures are refused.
    public func shutdown() async {
        let (worker, ticker, wake, waiters, alreadyDown) = state.withLock { s in
            let already = s.shutDown
            s.shutDown = true
            s.queue.close()
            let waiters = s.spaceWaiters
            s.spaceWaiters = []
            return (s.worker, s.ticker, s.takeWakeup(), waiters, already)
        }
        for waiter in waiters { waiter.resume() }
        wake?.resume()
        ticker?.cancel()
        featureFlags.stop()
        await worker?.value
        if !alreadyDown && ownsTransport { await sender.transport.shutdown() }
    }

    func requestDrain() {
        let wake = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.queue.events.isEmpty else { return nil }
            s.queue.drainRequested = true
            return s.takeWakeup()
        }
        wake?.resume()
    }

    // MARK: Worker

    private func runWorker() async {
        while true {
            enum Step { case send([EncodedEvent]), wait, stop }
            let (step, freed) = state.withLock { s -> (Step, [CheckedContinuation<Void, Never>]) in
                if s.queue.shouldSend {
                    let batch = s.queue.takeBatch()
                    let freed = s.spaceWaiters
                    s.spaceWaiters = []
                    return (.send(batch), freed)
                }
                if s.queue.closed && s.queue.events.isEmpty { return (.stop, []) }
                return (.wait, [])
            }
            for waiter in freed { waiter.resume() }
            switch step {
            case .stop:
                return
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { s -> Bool in
                        if s.queue.shouldSend || (s.queue.closed && s.queue.events.isEmpty) { return true }
                        s.workerWakeup = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            case .send(let batch):
                await send(batch)
            }
        }
    }

    private func send(_ batch: [EncodedEvent]) async {
        do {
            let report = try await sender.deliver(batch)
            if !report.rejected.isEmpty {
                let reasons = report.rejected.prefix(3).map { "\($0.event.uuid): \($0.reason)" }.joined(separator: "; ")
                self.report(PostHogError(.eventsRejected, "the server rejected \(report.rejected.count) event(s): \(reasons)", status: report.rejected.first?.status, eventCount: report.rejected.count))
            }
            configuration.logger.debug("batch sent", metadata: ["delivered": "\(report.delivered)", "requests": "\(report.requests)"])
        } catch {
            report(error)
        }
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.queue.settle(batch.count)
            let settled = s.queue.settled
            let ready = s.flushWaiters.filter { $0.target <= settled }.map(\.continuation)
            s.flushWaiters.removeAll { $0.target <= settled }
            return ready
        }
        for waiter in waiters { waiter.resume() }
    }
}

extension PostHogClient.State {
    mutating func takeWakeup() -> CheckedContinuation<Void, Never>? {
        defer { workerWakeup = nil }
        return workerWakeup
    }
}
