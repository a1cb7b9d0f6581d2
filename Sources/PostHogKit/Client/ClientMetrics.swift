import CoreMetrics

/// The client's swift-metrics instruments. Labels:
/// `posthog.events.queued`, `posthog.events.sent`, `posthog.events.rejected`,
/// `posthog.events.dropped` (dimension `reason`), `posthog.requests.retried` (counters) and
/// `posthog.queue.depth` (gauge).
struct ClientMetrics: Sendable {
    /// Why events were dropped, as the `reason` dimension says it.
    enum DropReason: String, CaseIterable {
        case queueFull = "queue_full"
        case hostUnavailable = "host_unavailable"
        case deliveryFailed = "delivery_failed"
        case shutdown
        case beforeSend = "before_send"
        case tooLarge = "too_large"
    }

    let queued: Counter
    let sent: Counter
    let rejected: Counter
    let retried: Counter
    let depth: Gauge
    private let dropped: [String: Counter]

    init(factory: any MetricsFactory) {
        queued = Counter(label: "posthog.events.queued", factory: factory)
        sent = Counter(label: "posthog.events.sent", factory: factory)
        rejected = Counter(label: "posthog.events.rejected", factory: factory)
        retried = Counter(label: "posthog.requests.retried", factory: factory)
        depth = Gauge(label: "posthog.queue.depth", factory: factory)
        var dropped: [String: Counter] = [:]
        for reason in DropReason.allCases {
            dropped[reason.rawValue] = Counter(label: "posthog.events.dropped", dimensions: [("reason", reason.rawValue)], factory: factory)
        }
        self.dropped = dropped
    }

    func drop(_ count: Int, _ reason: DropReason) {
        guard count > 0 else { return }
        dropped[reason.rawValue]?.increment(by: count)
    }

    /// The reason label for an error that dropped events.
    static func reason(for kind: PostHogError.Kind) -> DropReason {
        switch kind {
        case .queueFull: return .queueFull
        case .hostUnavailable: return .hostUnavailable
        case .shutdownTimedOut, .shutDown, .cancelled: return .shutdown
        case .eventTooLarge: return .tooLarge
        default: return .deliveryFailed
        }
    }
}
