public import PostHogKit

/// The HogQL queries `hogport export` sends, as fixed texts with `{placeholders}` filled from the
/// request's `values`. The sink answers exactly these texts and refuses anything else, so the
/// exporter and the sink share them from here.
///
/// Rows come in `(timestamp, uuid)` order and pages continue after the last row's pair (a
/// cursor, never OFFSET). The timestamp goes out and comes back as integer microseconds
/// (`toUnixTimestamp64Micro`), so neither the project's timezone nor a text format is involved.
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
    public static let columns = ["uuid_text", "event", "distinct_id", "timestamp_us", "properties"]

    static let select =
        "SELECT toString(uuid) AS uuid_text, event, distinct_id, toUnixTimestamp64Micro(timestamp) AS timestamp_us, properties FROM events"
    static let range = "timestamp >= fromUnixTimestamp64Micro({since_us}) AND timestamp < fromUnixTimestamp64Micro({until_us})"
    static let cursor = "(timestamp, uuid) > (fromUnixTimestamp64Micro({after_us}), toUUID({after_uuid}))"
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
            "since_us": .int(since.microseconds), "until_us": .int(until.microseconds), "limit": .int(Int64(limit)),
        ]
        if let after {
            values["after_us"] = .int(after.timestamp.microseconds)
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
        guard let since = values["since_us"]?.intValue, let until = values["until_us"]?.intValue, let limit = values["limit"]?.intValue,
            limit >= 1, limit <= Int64(maximumLimit)
        else { return nil }
        var parsed = ExportQuery(since: Timestamp(microseconds: since), until: Timestamp(microseconds: until), limit: Int(limit))
        if text.contains("{after_us}") {
            guard let us = values["after_us"]?.intValue, let uuid = values["after_uuid"]?.stringValue else { return nil }
            parsed.after = ExportCursor(timestamp: Timestamp(microseconds: us), uuid: uuid)
        }
        if text.contains("{events}") {
            guard let names = values["events"]?.arrayValue?.compactMap(\.stringValue), !names.isEmpty else { return nil }
            parsed.events = names
        }
        guard parsed.text == text else { return nil }
        return parsed
    }
}
