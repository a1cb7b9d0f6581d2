public import CoreMetrics
public import Logging
public import PostHogCore

/// How a ``PostHogClient`` batches, sends and reports.
///
/// The defaults follow PostHog's server SDKs: flush every 100 events or 5 seconds, gzip bodies,
/// batches up to 5 MiB (the server refuses requests over 20 MiB), `$geoip_disable` on every event.
public struct PostHogConfiguration: Sendable {
    /// The project API key (`phc_…`). Never logged.
    public var apiKey: String
    /// The ingestion host, such as `https://us.i.posthog.com` or `https://eu.i.posthog.com`.
    public var host: String
    /// No network, no background work: every call returns at once (captures return false, flag
    /// reads nil). For tests, local development, and opted-out environments.
    public var disabled: Bool = false
    /// Sets `$geoip_disable` on events and in flag requests, so PostHog does not locate users at
    /// the server's address. Set an event's `$ip` (and this to false) to locate users instead.
    public var disableGeoIP: Bool = true
    /// Properties added to every event; an event's own properties win.
    public var superProperties: [String: JSONValue] = [:]
    /// Sees every event after the client's own properties are added; returns it (changed or not),
    /// or nil to drop it. Drops are counted (metric `posthog.events.dropped`, reason `before_send`),
    /// not reported as errors.
    public var beforeSend: (@Sendable (PostHogEvent) -> PostHogEvent?)?
    /// Events that trigger a flush.
    public var flushAt: Int = 100
    /// The longest an event waits in the queue before a flush.
    public var flushInterval: Duration = .seconds(5)
    /// Events the queue holds.
    public var maxQueueSize: Int = 10_000
    /// The longest `capture` (and identify, alias, …) waits for room in a full queue before it
    /// drops the event and reports it through `onError` (kind `queueFull`). While the circuit
    /// breaker is open a full queue drops at once.
    public var captureTimeout: Duration = .milliseconds(100)
    /// The deadline of ``PostHogClient/shutdown()`` and of the flush when ``PostHogClient/run()``
    /// ends; what is still queued then is dropped and reported (kind `shutdownTimedOut`).
    public var shutdownTimeout: Duration = .seconds(10)
    /// When to stop sending to a host that keeps failing, and when to try it again.
    public var circuitBreaker = CircuitBreaker.Policy()
    /// The largest batch body, before compression.
    public var maxBatchBytes: Int = 5 * 1024 * 1024
    /// Whether request bodies are gzipped.
    public var gzip: Bool = true
    /// Marks every batch as a historical migration (for backfills; see PostHog's migration docs).
    public var historicalMigration: Bool = false
    /// The deadline of one HTTP attempt.
    public var requestTimeout: Duration = .seconds(10)
    /// Retries after the first attempt of a batch (the same value as `retryPolicy.maxRetries`).
    public var maxRetries: Int {
        get { retryPolicy.maxRetries }
        set { retryPolicy.maxRetries = newValue }
    }
    /// Backoff and retry rules.
    public var retryPolicy = RetryPolicy()
    /// Called for every failure: rejected or dropped events, authentication errors, flag failures.
    /// Drops are grouped: one call carries the count of events dropped since the last call.
    public var onError: (@Sendable (PostHogError) -> Void)?
    /// Where the client logs; by default nowhere. Set its level to `.debug` to follow every batch.
    public var logger: Logger = Logger(label: "posthog", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Where the client's counters and gauge go; nil means swift-metrics' global factory.
    public var metricsFactory: (any MetricsFactory)?
    /// The HTTP transport; nil means a new ``AsyncHTTPClientTransport`` owned by the client.
    public var transport: (any HTTPTransport)?
    /// A personal API key (`phx_…`, with `feature_flag:read`) or project secret key (`phs_…`)
    /// that turns on local flag evaluation: definitions are fetched and polled. Never logged.
    public var personalApiKey: String?
    /// How often flag definitions are refreshed.
    public var featureFlagsPollingInterval: Duration = .seconds(30)
    /// The deadline of a remote flag evaluation (`/flags`).
    public var featureFlagRequestTimeout: Duration = .seconds(3)
    /// Waits between retries; replaced in tests so they never sleep.
    public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    /// - Parameters:
    ///   - apiKey: the project API key.
    ///   - host: the PostHog host; `https://us.i.posthog.com` by default.
    public init(apiKey: String, host: String = "https://us.i.posthog.com") {
        self.apiKey = apiKey
        self.host = host
    }
}
