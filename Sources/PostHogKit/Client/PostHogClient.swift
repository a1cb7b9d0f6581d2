import Foundation
import Logging
import CoreMetrics
import PostHogCore
import Synchronization

/// A server-side PostHog client: capture, identify, alias and group identify into a bounded
/// queue that a background worker sends in batches.
///
/// ```swift
/// let posthog = PostHogClient(configuration: PostHogConfiguration(apiKey: "phc_…"))
/// await posthog.capture(distinctId: "user-1", event: "movie played", properties: ["genre": "noir"])
/// await posthog.shutdown()   // flushes what is queued, within the shutdown timeout
/// ```
///
/// Creating a client starts nothing: the worker starts with the first event or flag read, or
/// when a `ServiceGroup` runs the client (see ``run()``). A full queue makes `capture` wait at most
/// ``PostHogConfiguration/captureTimeout``, then drop; nothing is dropped silently: every drop and
/// failure reaches ``PostHogConfiguration/onError``, the logger and the metrics.
public final class PostHogClient: Sendable {
    /// The configuration the client was made with.
    public let configuration: PostHogConfiguration
    let sender: BatchSender
    let featureFlags: FeatureFlags
    let breaker: SharedCircuitBreaker
    let metrics: ClientMetrics
    let ownsTransport: Bool

    struct State {
        var queue: ClientQueue
        var drops = DropLedger()
        /// Since when the queue has been full without the worker taking a batch.
        var fullSince: ContinuousClock.Instant?
        /// Events in the batch the worker is sending.
        var inFlight = 0
        /// Set when shutdown gave up on the worker and counted its batch as dropped.
        var abandoned = false
        var spaceWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
        var flushWaiters: [(target: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        var workerWakeup: CheckedContinuation<Void, Never>?
        var worker: Task<Void, Never>?
        var ticker: Task<Void, Never>?
        var started = false
        var shutDown = false
        var shutdownTask: Task<Void, Never>?
        var stopRequested = false
        var stopWaiter: CheckedContinuation<Void, Never>?
    }

    let state: Mutex<State>

    /// Creates a client. It starts no task and opens no connection until it is used or run.
    public init(configuration: PostHogConfiguration) {
        self.configuration = configuration
        let transport = configuration.transport ?? AsyncHTTPClientTransport(maximumConnections: 2)
        ownsTransport = configuration.transport == nil
        let metrics = ClientMetrics(factory: configuration.metricsFactory ?? MetricsSystem.factory)
        let breaker = SharedCircuitBreaker(policy: configuration.circuitBreaker, now: { ContinuousClock.now })
        var sender = BatchSender(
            apiKey: configuration.apiKey, host: configuration.host, transport: transport, gzip: configuration.gzip,
            historicalMigration: configuration.historicalMigration, requestTimeout: configuration.requestTimeout,
            retryPolicy: configuration.retryPolicy, logger: configuration.logger, sleep: configuration.sleep)
        sender.observer = { breaker.record($0) }
        sender.retryGate = {
            guard !breaker.isRefusing else { return false }
            metrics.retried.increment()
            return true
        }
        self.sender = sender
        self.breaker = breaker
        self.metrics = metrics
        let onError = configuration.onError
        let logger = configuration.logger
        featureFlags = FeatureFlags(configuration: configuration, transport: transport) { error in
            logger.warning("\(error)", metadata: ["kind": "\(error.shortDescription)"])
            onError?(error)
        }
        state = Mutex(
            State(
                queue: ClientQueue(
                    capacity: configuration.maxQueueSize, flushAt: configuration.flushAt,
                    maxBatchBytes: configuration.maxBatchBytes - BatchBody.overhead(apiKeyLength: configuration.apiKey.utf8.count))))
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

    /// Starts the worker, the flush timer and the flag poller, once; nothing for a disabled or
    /// shut-down client.
    func start() {
        let begun = state.withLock { s -> Bool in
            guard !s.started && !s.shutDown && !configuration.disabled else { return false }
            s.started = true
            s.worker = Task { [self] in await self.runWorker() }
            let interval = configuration.flushInterval
            s.ticker = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard let self else { return }
                    self.requestDrain()
                }
            }
            return true
        }
        if begun { featureFlags.start() }
    }

    func report(_ error: PostHogError) {
        configuration.logger.error("\(error)", metadata: ["kind": "\(error.shortDescription)"])
        configuration.onError?(error)
    }

    /// Counts `count` dropped events and reports them, grouped (see ``DropLedger``).
    func recordDrop(_ count: Int, _ kind: PostHogError.Kind) {
        guard count > 0 else { return }
        metrics.drop(count, ClientMetrics.reason(for: kind))
        let due = state.withLock { $0.drops.add(count, kind, now: ContinuousClock.now) }
        reportDrops(due)
    }

    func reportDrops(_ due: [(PostHogError.Kind, Int)]) {
        for (kind, count) in due {
            report(PostHogError(kind, "dropped \(count) event(s): " + Self.dropCause(kind), eventCount: count))
        }
    }

    static func dropCause(_ kind: PostHogError.Kind) -> String {
        switch kind {
        case .queueFull: return "the queue stayed full past the capture timeout"
        case .hostUnavailable: return "the queue was full while the host was unavailable"
        case .shutdownTimedOut: return "they were still queued when the shutdown deadline passed"
        default: return kind.rawValue
        }
    }

    func requestDrain() {
        let wake = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.queue.events.isEmpty else { return nil }
            s.queue.drainRequested = true
            return s.takeWakeup()
        }
        wake?.resume()
    }

    func wakeWorker() {
        state.withLock { $0.takeWakeup() }?.resume()
    }
}

extension PostHogClient.State {
    mutating func takeWakeup() -> CheckedContinuation<Void, Never>? {
        defer { workerWakeup = nil }
        return workerWakeup
    }

    mutating func takeSpaceWaiters() -> [CheckedContinuation<Void, Never>] {
        defer { spaceWaiters = [:] }
        return Array(spaceWaiters.values)
    }
}
