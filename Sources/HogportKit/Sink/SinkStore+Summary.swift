public import PostHogCore
import PostHogKit

extension SinkStore {
    /// What a sink's store holds, for reports.
    public struct Summary: Sendable {
        public var events = 0
        public var distinctUUIDs = 0
        public var historical = 0
        public var byEvent: [(name: String, count: Int)] = []
        public var earliest: Timestamp?
        public var latest: Timestamp?
    }

    /// Counts per event name, the event-time range and the historical share.
    public func summary() throws -> Summary {
        var summary = Summary()
        let counts = try counts()
        summary.events = counts.events
        summary.distinctUUIDs = counts.distinctUUIDs
        let rows = try rawQuery("SELECT event, COUNT(*) FROM events GROUP BY event ORDER BY COUNT(*) DESC, event")
        summary.byEvent = rows.map { ($0[0].string ?? "", Int($0[1].int ?? 0)) }
        let range = try rawQuery("SELECT MIN(timestamp_us), MAX(timestamp_us), SUM(historical) FROM events")
        if let min = range.first?[0].int, let max = range.first?[1].int {
            summary.earliest = Timestamp(microseconds: min)
            summary.latest = Timestamp(microseconds: max)
        }
        summary.historical = Int(range.first?[2].int ?? 0)
        return summary
    }
}
