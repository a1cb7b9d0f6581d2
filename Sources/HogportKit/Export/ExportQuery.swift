public import PostHogCore
import PostHogKit

/// The HogQL queries `hogport export` sends, as fixed texts with `{placeholders}` filled from the
/// request's `values`. The sink answers exactly these texts and refuses anything else, so the
/// exporter and the sink share them from here.
///
/// Rows come in `(timestamp, uuid)` order and pages continue after the last row's pair (a
/// cursor, never OFFSET). Instants travel as UTC text with six fraction digits
/// (`2024-03-01 10:00:00.123456`): out through `toDateTime(…, 'UTC')`, which HogQL prints as
/// `parseDateTime64BestEffortOrNull(…, 6, 'UTC')`, and back through `toString(timestamp, 'UTC')`,
/// so neither the project's timezone nor a loss of precision is involved. (HogQL exposes the
/// `…64Milli` epoch functions but not `…64Micro`, which would be simpler.) The plain
/// `timestamp >=` bound next to the tuple comparison lets ClickHouse use its sort key.
public struct ExportQuery: Sendable, Equatable {
    /// The inclusive lower bound.
    public var since: Timestamp
    /// The exclusive upper bound.
    public var until: Timestamp
    /// Continue after this row; nil for the first page.
    public var after: ExportCursor?
    /// Only these event names; empty means every event.
    public var events: [String]
    /// Rows per page (PostHog returns at most 50,000 per query).
    public var limit: Int

    public init(since: Timestamp, until: Timestamp, after: ExportCursor? = nil, events: [String] = [], limit: Int) {
        self.since = since
        self.until = until
        self.after = after
        self.events = events
        self.limit = limit
    }

    /// The most rows PostHog returns for one query.
    public static let maximumLimit = 50_000

    /// The selected columns, in order. The uuid's text is aliased `uuid_text`, not `uuid`: in
    /// HogQL/ClickHouse a SELECT alias shadows the column of that name in WHERE and ORDER BY, so
    /// `AS uuid` would make the cursor compare a String with `toUUID(…)`. WHERE and ORDER BY use
    /// the real `uuid` column. (The files' key stays `uuid`.)
    /// Likewise the timestamp's text is `timestamp_utc`.
    /// `elements_chain` holds an autocapture's elements, which PostHog keeps out of `properties`.
    public static let columns = ["uuid_text", "event", "distinct_id", "timestamp_utc", "properties", "elements_chain"]

    static let select =
        "SELECT toString(uuid) AS uuid_text, event, distinct_id, toString(timestamp, 'UTC') AS timestamp_utc, properties, elements_chain FROM events"
    static let range = "timestamp >= toDateTime({since}, 'UTC') AND timestamp < toDateTime({until}, 'UTC')"
    static let cursor = "timestamp >= toDateTime({after_time}, 'UTC') AND (timestamp, uuid) > (toDateTime({after_time}, 'UTC'), toUUID({after_uuid}))"
    static let eventFilter = "event IN {events}"
    static let tail = "ORDER BY timestamp, uuid LIMIT {limit}"

    /// The query text for a page with or without a cursor and an event filter.
    public static func text(cursor hasCursor: Bool, eventFilter hasEvents: Bool) -> String {
        var conditions = [range]
        if hasEvents { conditions.append(eventFilter) }
        if hasCursor { conditions.append(cursor) }
        return "\(select) WHERE \(conditions.joined(separator: " AND ")) \(tail)"
    }

    /// Every text the exporter may send (the sink answers these and no others).
    public static let knownTexts: Set<String> = [
        text(cursor: false, eventFilter: false), text(cursor: true, eventFilter: false),
        text(cursor: false, eventFilter: true), text(cursor: true, eventFilter: true),
    ]

    /// This page's query text.
    public var text: String { Self.text(cursor: after != nil, eventFilter: !events.isEmpty) }

    /// This page's placeholder values.
    public var values: [String: JSONValue] {
        var values: [String: JSONValue] = [
            "since": .string(Self.utcText(since)), "until": .string(Self.utcText(until)), "limit": .int(Int64(limit)),
        ]
        if let after {
            values["after_time"] = .string(Self.utcText(after.timestamp))
            values["after_uuid"] = .string(after.uuid)
        }
        if !events.isEmpty { values["events"] = .array(events.map { .string($0) }) }
        return values
    }

    /// The request body for `POST /api/projects/:id/query/`. `force_blocking`: `blocking` may
    /// answer an identical query (a lookback window read again) from PostHog's cache and hide
    /// late rows.
    public var body: JSONValue {
        [
            "query": ["kind": "HogQLQuery", "query": .string(text), "values": .object(values)],
            "name": "hogport export", "refresh": "force_blocking",
        ]
    }

    /// Reads a request body back into a query; nil when it is not one of ``knownTexts`` with the
    /// values it needs (what the sink answers 400 to).
    public static func parse(_ body: JSONValue) -> ExportQuery? {
        guard let query = body["query"], query["kind"]?.stringValue == "HogQLQuery", let text = query["query"]?.stringValue,
            knownTexts.contains(text)
        else { return nil }
        let values = query["values"]?.objectValue ?? [:]
        guard let since = values["since"].flatMap(instant), let until = values["until"].flatMap(instant),
            let limit = values["limit"]?.intValue, limit >= 1, limit <= Int64(maximumLimit)
        else { return nil }
        var parsed = ExportQuery(since: since, until: until, limit: Int(limit))
        if text.contains("{after_time}") {
            guard let time = values["after_time"].flatMap(instant), let uuid = values["after_uuid"]?.stringValue else { return nil }
            parsed.after = ExportCursor(timestamp: time, uuid: uuid)
        }
        if text.contains("{events}") {
            guard let names = values["events"]?.arrayValue?.compactMap(\.stringValue), !names.isEmpty else { return nil }
            parsed.events = names
        }
        guard parsed.text == text else { return nil }
        return parsed
    }

    /// `2024-03-01 10:00:00.123456`: an instant as ClickHouse writes a `DateTime64(6)` in UTC.
    public static func utcText(_ time: Timestamp) -> String {
        let perSecond: Int64 = 1_000_000
        var fraction = time.microseconds % perSecond
        if fraction < 0 { fraction += perSecond }
        let whole = Timestamp(microseconds: time.microseconds - fraction).iso8601  // 2024-03-01T10:00:00.000Z
        let digits = String(fraction)
        return whole.prefix(10) + " " + whole.dropFirst(11).prefix(8) + "." + String(repeating: "0", count: 6 - digits.count) + digits
    }

    /// A value holding ``utcText(_:)`` (or any ISO-8601 form; no zone means UTC).
    static func instant(_ value: JSONValue) -> Timestamp? {
        value.stringValue.flatMap { Timestamp(iso8601: $0) }
    }
}
