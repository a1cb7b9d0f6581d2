/// Adaptive request concurrency (after Vector's ARC): additive increase while round-trip times
/// hold, multiplicative decrease (x0.9) on back-pressure (429, 5xx, timeouts) or RTT growth.
/// A pure value type: feed it completions with their times, read ``limit``.
public struct AdaptiveConcurrency: Sendable, Equatable {
    /// The ceiling (`--concurrency`).
    public let maximum: Int
    /// Requests allowed in flight now.
    public private(set) var limit: Int
    public var decreaseRatio = 0.9
    public var ewmaAlpha = 0.4
    public var deviationScale = 2.5
    /// How much slower than the mean a period may be and still count as "held" (round-trip
    /// times of a fast server are noisy; without slack the limit would climb only half the time).
    public var tolerance = 0.15

    private(set) var inFlight = 0
    private var reachedLimit = false
    private var hadBackPressure = false
    private var rttSum = 0.0
    private var rttCount = 0
    private(set) var meanRTT: Double?
    /// The lowest period RTT seen, drifting up 1 % a period so it follows a slower network: what
    /// the server answers in when it is not queueing.
    private(set) var baselineRTT: Double?
    private var varianceRTT = 0.0
    private var nextUpdate = 0.0

    /// - Parameters:
    ///   - maximum: the most requests ever in flight.
    ///   - initial: where the limit starts (Vector starts at 1; a backfill can start higher).
    public init(maximum: Int, initial: Int = 1) {
        self.maximum = max(1, maximum)
        limit = min(max(1, initial), self.maximum)
    }

    /// Whether another request may start.
    public var canStart: Bool { inFlight < limit }

    /// Records that a request started.
    public mutating func started() {
        inFlight += 1
        if inFlight >= limit { reachedLimit = true }
    }

    /// Records a finished request at time `now` (seconds): its round-trip time, and whether it met
    /// back-pressure.
    public mutating func finished(rtt: Double, backPressure: Bool, now: Double) {
        inFlight = max(0, inFlight - 1)
        if backPressure {
            hadBackPressure = true
        } else {
            rttSum += rtt
            rttCount += 1
        }
        guard let mean = meanRTT else {
            if rttCount > 0 {
                meanRTT = rttSum / Double(rttCount)
                nextUpdate = now + (meanRTT ?? 0)
                rttSum = 0
                rttCount = 0
            } else if hadBackPressure && limit > 1 {
                limit = max(1, Int(Double(limit) * decreaseRatio))
                hadBackPressure = false
            }
            return
        }
        guard now >= nextUpdate else { return }
        let current = rttCount > 0 ? rttSum / Double(rttCount) : nil
        if let current { baselineRTT = min(baselineRTT.map { $0 * 1.01 } ?? current, current) }
        if limit < maximum, reachedLimit, !hadBackPressure, let current, rttHeld(current, mean: mean) {
            limit += 1
        } else if limit > 1, hadBackPressure || (current.map { rttRose($0, mean: mean) } ?? false) {
            limit = max(1, Int(Double(limit) * decreaseRatio))
        }
        if let current {
            let d = current - mean
            let newMean = mean + ewmaAlpha * d
            varianceRTT = (1 - ewmaAlpha) * (varianceRTT + ewmaAlpha * d * d)
            meanRTT = newMean
        }
        nextUpdate = now + (meanRTT ?? 0)
        rttSum = 0
        rttCount = 0
        hadBackPressure = false
        reachedLimit = inFlight >= limit
    }

    /// Whether a period's RTT held: within the tolerance of the mean, and not far above the
    /// baseline (a server whose latency keeps growing with load gets no more requests).
    private func rttHeld(_ current: Double, mean: Double) -> Bool {
        current <= mean * (1 + tolerance) && current <= (baselineRTT ?? current) * 2
    }

    /// Whether a period's RTT rose: past the mean by more than its usual deviation (and the
    /// tolerance), or to three times the baseline (queueing in the server, however gradual).
    private func rttRose(_ current: Double, mean: Double) -> Bool {
        let threshold = deviationScale * varianceRTT.squareRoot()
        return current > max(mean + threshold, mean * (1 + 2 * tolerance)) || current > (baselineRTT ?? current) * 3
    }
}
