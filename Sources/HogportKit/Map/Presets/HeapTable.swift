/// Which of Heap's tables a file holds: named by `--heap-table`, or read from the file's name.
public enum HeapTable: Sendable, Equatable {
    /// `all_events`: every event, its name in `type` or `event_table_name`.
    case allEvents
    /// One labelled event's table (or `pageviews`): the rows are events named after the table
    /// unless they carry `type` or `event_table_name`.
    case events(String)
    case users
    case userMigrations
    /// `sessions`: not imported (PostHog derives sessions from the events).
    case sessions

    /// The table called `name` (`all_events`, `users`, `user_migrations`, `sessions`, or an event
    /// table's name such as `pageviews` or `main_production_signed_up`); nil for an empty name.
    public init?(name: String) {
        guard !name.isEmpty else { return nil }
        switch name.lowercased() {
        case "all_events": self = .allEvents
        case "users": self = .users
        case "user_migrations": self = .userMigrations
        case "sessions": self = .sessions
        default: self = .events(name)
        }
    }

    /// The table a file's name names: the name without directories, extensions (`.csv`, `.json`,
    /// `.jsonl`, `.ndjson`, `.gz`) and shard suffixes (BigQuery's `-000000000000`, Redshift's
    /// `0000_part_00`, Snowflake's `_0_0_0`). Nil for standard input and empty names.
    public init?(fileName path: String) {
        guard path != "-" else { return nil }
        var name = Substring(path.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
        let extensions = [".gz", ".csv", ".json", ".jsonl", ".ndjson"]
        while let ext = extensions.first(where: { name.lowercased().hasSuffix($0) }) { name = name.dropLast(ext.count) }
        self.init(name: String(Self.withoutShardSuffix(name)))
    }

    /// `name` without one shard suffix an unload adds.
    static func withoutShardSuffix(_ name: Substring) -> Substring {
        func isDigits(_ s: Substring) -> Bool { !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isNumber } }
        // BigQuery: events-000000000000
        if let dash = name.lastIndex(of: "-"), isDigits(name[name.index(after: dash)...]) { return name[..<dash] }
        var parts = name.split(separator: "_", omittingEmptySubsequences: false)
        // Redshift: users_0000_part_00 or users0000_part_00
        if parts.count >= 3, isDigits(parts[parts.count - 1]), parts[parts.count - 2] == "part" {
            parts.removeLast(2)
            if parts.count > 1, isDigits(parts[parts.count - 1]) {
                parts.removeLast()
            } else {
                parts[parts.count - 1] = Substring(parts[parts.count - 1].reversed().drop { $0.isASCII && $0.isNumber }.reversed())
            }
            return Substring(parts.joined(separator: "_"))
        }
        // Snowflake: users_0_0_0
        if parts.count > 3, parts.suffix(3).allSatisfy(isDigits) { return Substring(parts.dropLast(3).joined(separator: "_")) }
        return name
    }

    /// The name events of this table get when their rows carry none.
    var eventName: String? {
        if case .events(let name) = self { return name.lowercased() == "pageviews" ? "$pageview" : name }
        return nil
    }

    /// The tag part of an explicit table, for the checkpoint's fingerprint.
    var tag: String {
        switch self {
        case .allEvents: return "all_events"
        case .events(let name): return "events:\(name)"
        case .users: return "users"
        case .userMigrations: return "user_migrations"
        case .sessions: return "sessions"
        }
    }
}
