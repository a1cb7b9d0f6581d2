/// Events dropped since the last report, per cause: drops are reported through `onError` at most
/// once per `interval` (and at shutdown), each report carrying the count.
struct DropLedger {
    private(set) var pending: [PostHogError.Kind: Int] = [:]
    private var lastReport: ContinuousClock.Instant?
    let interval: Duration

    init(interval: Duration = .seconds(1)) {
        self.interval = interval
    }

    /// Adds `count` drops of `kind`; returns the counts to report now (empty when a report went
    /// out less than `interval` ago).
    mutating func add(_ count: Int, _ kind: PostHogError.Kind, now: ContinuousClock.Instant) -> [(PostHogError.Kind, Int)] {
        pending[kind, default: 0] += count
        if let lastReport, now - lastReport < interval { return [] }
        lastReport = now
        return takeAll()
    }

    /// Everything not yet reported.
    mutating func takeAll() -> [(PostHogError.Kind, Int)] {
        defer { pending = [:] }
        return pending.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key, $0.value) }
    }
}
