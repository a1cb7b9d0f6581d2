import PostHogKit
public import PostHogCore

/// Heap's tables unloaded as CSV or NDJSON (`all_events`, per-event tables, `users`,
/// `user_migrations`) as PostHog messages. docs/migrate-heap.md has the full table.
///
/// The table comes from ``table`` (`--heap-table`), else from the file's name (``HeapTable/init(fileName:)``),
/// else from the row's columns. No table needs another: they can be imported in any order.
public struct HeapPreset: RowReshaper {
    /// The table every file holds; nil reads it from each file's name or the row's columns.
    public var table: HeapTable?
    /// The table the current file's name names (see ``forFile(_:)``).
    var fileTable: HeapTable?

    public init(table: HeapTable? = nil) {
        self.table = table
    }

    static let renamedEvents = ["pageview": "$pageview", "pageviews": "$pageview"]

    /// Event columns with a PostHog property name (`utm_*` keep theirs).
    static let renamedColumns: [(String, String)] = [
        ("path", "$pathname"), ("title", "$title"), ("referrer", "$referrer"), ("browser", "$browser"),
        ("device_type", "$device_type"), ("country", "$geoip_country_name"), ("region", "$geoip_subdivision_1_name"),
        ("city", "$geoip_city_name"), ("ip", "$ip"),
    ]
    /// Event columns the message itself takes.
    static let consumedColumns: Set<String> = ["type", "event_table_name", "time", "user_id"]
    /// INT64 id columns kept as text properties, so CSV and NDJSON unloads agree.
    static let idColumns = ["event_id", "session_id"]

    public func forFile(_ path: String) -> any RowReshaper {
        var copy = self
        copy.fileTable = HeapTable(fileName: path)
        return copy
    }

    public func reshape(_ row: [String: JSONValue]) throws(MappingError) -> ReshapedRow {
        let columns = Self.columns(row)
        switch table ?? knownFileTable ?? Self.shape(of: columns) {
        case .users: return try HeapUsers.user(columns)
        case .userMigrations: return try HeapUsers.migration(columns)
        case .sessions: return .skipped("Heap's sessions table is not imported (PostHog derives sessions from the events)")
        case .allEvents, .events:
            // Rows without a name of their own are named by the table: the explicit one (none for
            // all_events), else the file's.
            let tableEvent = table != nil ? table?.eventName : fileTable?.eventName
            return try event(columns, tableEvent: tableEvent)
        }
    }

    /// The file's table when its name is one of Heap's fixed tables (a per-event table's name
    /// only names the events; the row's columns still decide what the row is).
    var knownFileTable: HeapTable? {
        if case .events? = fileTable { return nil }
        return fileTable
    }

    /// The table a row's columns suggest: `from_user_id`/`to_user_id` a migration, user columns
    /// without `event_id` a user, anything else an event.
    static func shape(of columns: [String: JSONValue]) -> HeapTable {
        if columns["from_user_id"] != nil || columns["to_user_id"] != nil { return .userMigrations }
        if columns["event_id"] == nil, columns["identity"] != nil || columns["joindate"] != nil || columns["last_modified"] != nil {
            return .users
        }
        return .allEvents
    }

    /// One event row: name (the row's, else `tableEvent`), time, user and properties.
    func event(_ columns: [String: JSONValue], tableEvent: String?) throws(MappingError) -> ReshapedRow {
        guard let sourceName = PresetFields.id(columns["type"]) ?? PresetFields.id(columns["event_table_name"]) ?? tableEvent else {
            throw MappingError(
                "no event name: the row has no type or event_table_name; for a per-event table, keep the table's name in the file name or pass --heap-table NAME"
            )
        }
        guard let userId = PresetFields.id(columns["user_id"]) else { throw MappingError("missing user_id") }
        let timestamp = try Self.time(columns, ["time"])

        var properties = columns.filter { !Self.consumedColumns.contains($0.key) }
        for key in Self.idColumns { if let id = PresetFields.id(properties[key]) { properties[key] = .string(id) } }
        for (from, to) in Self.renamedColumns { PresetFields.move(&properties, from, to: to) }
        var out: [String: JSONValue] = [
            "event": .string(Self.renamedEvents[sourceName] ?? sourceName), "distinct_id": .string(userId),
            "timestamp": .string(timestamp), "properties": .object(properties),
        ]
        if let eventId = PresetFields.id(columns["event_id"]) { out["uuid"] = .string(SourceID.uuid("heap", sourceName, eventId)) }
        return ReshapedRow(rows: [out])
    }

    /// The row's columns: a CSV record keeps most of them under `properties` (hogport's column
    /// conventions), an NDJSON line at the top; nulls and empty texts are left out.
    static func columns(_ row: [String: JSONValue]) -> [String: JSONValue] {
        var columns = row
        if case .object(let nested)? = columns.removeValue(forKey: "properties") {
            for (key, value) in nested where columns[key] == nil { columns[key] = value }
        }
        return columns.filter { !$0.value.isNull && $0.value != .string("") }
    }

    /// The first of `candidates` that reads as a time (Heap writes `YYYY-MM-DD HH:MM:SS.ffffff`,
    /// sometimes with ` UTC`, or epoch milliseconds; `Invalid date` is skipped), as ISO-8601.
    static func time(_ columns: [String: JSONValue], _ candidates: [String]) throws(MappingError) -> String {
        var cleaned: [String: JSONValue] = [:]
        for key in candidates {
            guard var value = columns[key], value != .string("Invalid date") else { continue }
            if case .string(let text) = value, text.hasSuffix(" UTC") { value = .string(String(text.dropLast(4))) }
            cleaned[key] = value
        }
        guard !cleaned.isEmpty else { throw MappingError("missing time (looked in \(candidates.joined(separator: ", ")))") }
        return try PresetFields.time(cleaned, candidates)
    }
}
