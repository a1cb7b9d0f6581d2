public import Logging
import PostHogCore

/// Posts batches to `{host}/batch/` and sees each one through: retries, 413 splits, 400 bisection,
/// fatal authentication errors.
///
/// The client's queue and the import pipeline both deliver through this one type.
public struct BatchSender: Sendable {
    public var apiKey: String
    /// The ingestion host, such as `https://us.i.posthog.com`.
    public var host: String
    public var gzip: Bool
    public var historicalMigration: Bool
    public var requestTimeout: Duration
    public var retryPolicy: RetryPolicy
    public var userAgent: String
    public var transport: any HTTPTransport
    public var logger: Logger
    /// Waits between retries; tests substitute one that does not sleep.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Returns a number in 0...1 for backoff jitter.
    public var jitter: @Sendable () -> Double
    /// Sees every HTTP attempt.
    public var observer: (@Sendable (DeliveryAttempt) -> Void)?
    /// Asked before each retry; false stops retrying and fails the batch with
    /// ``PostHogError/Kind/hostUnavailable`` (the client's circuit breaker answers here).
    public var retryGate: (@Sendable () -> Bool)?

    public init(
        apiKey: String,
        host: String,
        transport: any HTTPTransport,
        gzip: Bool = true,
        historicalMigration: Bool = false,
        requestTimeout: Duration = .seconds(15),
        retryPolicy: RetryPolicy = RetryPolicy(),
        userAgent: String = PostHogKitInfo.userAgent,
        logger: Logger = Logger(label: "posthog", factory: { _ in SwiftLogNoOpLogHandler() }),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.apiKey = apiKey
        self.host = host
        self.transport = transport
        self.gzip = gzip
        self.historicalMigration = historicalMigration
        self.requestTimeout = requestTimeout
        self.retryPolicy = retryPolicy
        self.userAgent = userAgent
        self.logger = logger
        self.sleep = sleep
        self.jitter = jitter
    }

    /// The batch endpoint's URL.
    public var batchURL: String { Self.join(host, "/batch/") }

    static func join(_ host: String, _ path: String) -> String {
        var base = Substring(host)
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    /// Delivers `events` as one batch (or, after a 413 or 400, as smaller ones).
    ///
    /// - Returns: how many were delivered and which the server refused.
    /// - Throws: ``PostHogError`` of kind `authentication`, `deliveryFailed`, `unexpectedStatus` or
    ///   `cancelled`; then nothing of this call's remaining events is known to be delivered.
    public func deliver(_ events: [EncodedEvent]) async throws(PostHogError) -> DeliveryReport {
        try await deliverEvents(events)
    }

    /// Delivers the events of `batch` as one batch (or, after a 413 or 400, as smaller ones); a
    /// refused event is reported with its index in `batch` as its `tag`.
    ///
    /// - Returns: how many were delivered and which the server refused.
    /// - Throws: as ``deliver(_:)-([EncodedEvent])``.
    public func deliver(_ batch: EventBatch) async throws(PostHogError) -> DeliveryReport {
        try await deliverEvents(batch)
    }

    func deliverEvents<Events: DeliverableEvents>(_ events: Events) async throws(PostHogError) -> DeliveryReport {
        guard events.count > 0 else { return DeliveryReport() }
        var report = DeliveryReport()
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { throw PostHogError(.cancelled, "delivery cancelled", eventCount: events.count) }
            let (outcome, bodyBytes, latency, responseText) = await post(events)
            report.requests += 1
            let decision = retryPolicy.decide(outcome, attempt: attempt, jitter: jitter())
            if let observer {
                var status: Int?
                if case .status(let code, _) = outcome { status = code }
                let pressure: Bool
                switch decision {
                case .retry, .giveUp: pressure = true
                default: pressure = false
                }
                observer(DeliveryAttempt(status: status, latency: latency, eventCount: events.count, bodyBytes: bodyBytes, isBackpressure: pressure))
            }
            switch decision {
            case .delivered:
                report.delivered += events.count
                return report
            case .retry(let delay):
                if let retryGate, !retryGate() {
                    throw PostHogError(
                        .hostUnavailable, "stopped retrying a batch of \(events.count) events: the host keeps failing (\(Self.describe(outcome)))",
                        status: Self.status(of: outcome), eventCount: events.count)
                }
                report.retries += 1
                logger.debug(
                    "retrying batch",
                    metadata: [
                        "events": "\(events.count)", "attempt": "\(attempt)", "outcome": "\(Self.describe(outcome))", "delay_ms": "\(delay.milliseconds)",
                    ])
                do {
                    try await sleep(delay)
                } catch {
                    throw PostHogError(.cancelled, "delivery cancelled while waiting to retry", eventCount: events.count)
                }
            case .giveUp(let reason):
                throw PostHogError(
                    .deliveryFailed, "gave up on a batch of \(events.count) events after \(attempt) attempts: \(reason)",
                    status: Self.status(of: outcome), eventCount: events.count)
            case .split, .bisect:
                let isSplit = decision == .split
                if events.count == 1 {
                    let reason: String
                    if isSplit {
                        reason = "the server refused the event as too large (413)"
                    } else {
                        reason = "the server refused the event (400): " + responseText
                    }
                    report.rejected.append(RejectedEvent(event: events.onlyEvent(), reason: reason, status: isSplit ? 413 : 400))
                    return report
                }
                logger.debug(isSplit ? "batch too large, splitting" : "batch refused, bisecting", metadata: ["events": "\(events.count)"])
                return try await deliverHalves(events, report: report)
            case .fatalAuthentication(let status):
                throw PostHogError(.authentication, "the server refused the API key", status: status, eventCount: events.count)
            case .unexpected(let status):
                throw PostHogError(
                    .unexpectedStatus, "unexpected answer from \(batchURL): " + responseText, status: status,
                    eventCount: events.count)
            }
        }
    }

    /// Delivers both halves of a split batch. A half that fails for good does not stop the other;
    /// the error then counts every event of `events` that was not delivered.
    private func deliverHalves<Events: DeliverableEvents>(_ events: Events, report: DeliveryReport) async throws(PostHogError) -> DeliveryReport {
        var report = report
        var failure: PostHogError?
        var failed = 0
        let (first, second) = events.halves()
        for half in [first, second] {
            do throws(PostHogError) {
                report.merge(try await deliverEvents(half))
            } catch  where error.kind == .authentication || error.kind == .cancelled {
                // Nothing later can work: count this half, what failed before, and what is left.
                let left = events.count - report.delivered
                throw PostHogError(error.kind, error.message, status: error.status, eventCount: left)
            } catch {
                failure = failure ?? error
                failed += error.eventCount
            }
        }
        guard let failure else { return report }
        let rejected = report.rejected.count
        var message = "\(failed) of \(events.count) events were not delivered: \(failure.message)"
        if rejected > 0 { message += "; \(rejected) more were rejected by the server" }
        throw PostHogError(failure.kind, message, status: failure.status, eventCount: failed + rejected)
    }

    private func post<Events: DeliverableEvents>(_ events: Events) async -> (RetryPolicy.Outcome, Int, Duration, String) {
        var body = events.body(apiKey: apiKey, historicalMigration: historicalMigration, sentAt: .now())
        var headers = [("Content-Type", "application/json"), ("User-Agent", userAgent), ("Accept", "application/json")]
        if gzip, let compressed = try? Gzip.compress(body) {
            body = compressed
            headers.append(("Content-Encoding", "gzip"))
        }
        let request = HTTPTransportRequest(method: "POST", url: batchURL, headers: headers, body: body, timeout: requestTimeout)
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let response = try await transport.send(request)
            let retryAfter = RetryPolicy.parseRetryAfter(response.header("Retry-After"))
            let text = String(decoding: response.body.prefix(500), as: UTF8.self)
            return (.status(response.status, retryAfter: retryAfter), body.count, clock.now - start, text.isEmpty ? "HTTP \(response.status)" : text)
        } catch {
            let message = String(describing: error)
            return (.transportError(message), body.count, clock.now - start, message)
        }
    }

    static func status(of outcome: RetryPolicy.Outcome) -> Int? {
        if case .status(let code, _) = outcome { return code }
        return nil
    }

    static func describe(_ outcome: RetryPolicy.Outcome) -> String {
        switch outcome {
        case .status(let code, _): return "HTTP \(code)"
        case .transportError(let message): return message
        }
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

/// Events ``BatchSender`` can deliver: joined into a request body, halved for a split or a
/// bisection, and reported one by one when refused.
protocol DeliverableEvents: Sendable {
    var count: Int { get }
    func body(apiKey: String, historicalMigration: Bool, sentAt: Timestamp) -> [UInt8]
    func halves() -> (Self, Self)
    /// The one event of a single-event batch, as a refusal reports it.
    func onlyEvent() -> EncodedEvent
}

extension Array: DeliverableEvents where Element == EncodedEvent {
    func body(apiKey: String, historicalMigration: Bool, sentAt: Timestamp) -> [UInt8] {
        BatchBody.encode(apiKey: apiKey, events: lazy.map(\.bytes), historicalMigration: historicalMigration, sentAt: sentAt)
    }

    func halves() -> ([EncodedEvent], [EncodedEvent]) {
        (Array(self[..<(count / 2)]), Array(self[(count / 2)...]))
    }

    func onlyEvent() -> EncodedEvent { self[0] }
}

extension EventBatch: DeliverableEvents {
    func body(apiKey: String, historicalMigration: Bool, sentAt: Timestamp) -> [UInt8] {
        BatchBody.encode(apiKey: apiKey, joinedEvents: joined, historicalMigration: historicalMigration, sentAt: sentAt)
    }

    func onlyEvent() -> EncodedEvent { encodedEvent(at: 0) }
}
