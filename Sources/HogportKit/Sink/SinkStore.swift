public import PostHogCore
import PostHogKit
import Synchronization

/// The sink's SQLite storage: every accepted event, one row each (duplicates included, so tests
/// can count deliveries), plus request statistics.
public final class SinkStore: Sendable {
    private let connection: Mutex<SQLiteConnection>
    /// Whether the read indexes exist: they are built at the first read, so a bulk load inserts
    /// into the table alone (each index on a random uuid roughly doubles an insert's cost).
    private let indexed = Atomic(false)
    public let path: String

    public init(path: String) throws(SQLiteError) {
        let db = try SQLiteConnection(path: path)
        // A test and dry-run target: throughput over durability. WAL without fsync per commit,
        // a 64 MiB page cache (the uuid index takes random inserts) and rarer checkpoints.
        try db.execute("PRAGMA synchronous=OFF")
        try db.execute("PRAGMA cache_size=-65536")
        try db.execute("PRAGMA wal_autocheckpoint=16384")
        try db.execute(
            """
            CREATE TABLE IF NOT EXISTS events (
                id INTEGER PRIMARY KEY,
                uuid TEXT NOT NULL,
                event TEXT NOT NULL,
                distinct_id TEXT NOT NULL,
                timestamp TEXT NOT NULL,
                timestamp_us INTEGER NOT NULL,
                properties TEXT NOT NULL,
                historical INTEGER NOT NULL,
                sent_at TEXT,
                received_at TEXT NOT NULL
            );
            """)
        connection = Mutex(db)
        self.path = path
    }

    /// One event as the sink stores it (and reads it back).
    public struct Row: Sendable, Equatable {
        public var uuid: String
        public var event: String
        public var distinctId: String
        public var timestamp: Timestamp
        public var properties: [String: JSONValue]
        public var historical: Bool
        public var sentAt: String?
    }

    /// An event on its way in: `properties` is the JSON object's bytes as received.
    struct Incoming {
        var uuid: String
        var event: String
        var distinctId: String
        var timestamp: Timestamp
        var properties: [UInt8]
        var historical: Bool
        var sentAt: String?

        init(uuid: String, event: String, distinctId: String, timestamp: Timestamp, properties: [UInt8], historical: Bool, sentAt: String?) {
            self.uuid = uuid
            self.event = event
            self.distinctId = distinctId
            self.timestamp = timestamp
            self.properties = properties
            self.historical = historical
            self.sentAt = sentAt
        }

        /// A row built from values: its properties serialised.
        init(_ row: Row) {
            var writer = JSONWriter(capacity: 256)
            writer.writeObject(row.properties)
            self.init(
                uuid: row.uuid, event: row.event, distinctId: row.distinctId, timestamp: row.timestamp, properties: writer.bytes,
                historical: row.historical, sentAt: row.sentAt)
        }
    }

    /// Stores `rows` in one transaction.
    public func insert(_ rows: [Row], receivedAt: Timestamp = .now()) throws {
        try insert(
            rows.map(Incoming.init), receivedAt: receivedAt)
    }

    func insert(_ rows: [Incoming], receivedAt: Timestamp = .now()) throws {
        let received = receivedAt.iso8601
        try connection.withLock { db in
            try db.transaction {
                let statement = try db.prepare(
                    "INSERT INTO events (uuid, event, distinct_id, timestamp, timestamp_us, properties, historical, sent_at, received_at) VALUES (?,?,?,?,?,?,?,?,?)"
                )
                var time: [UInt8] = []
                time.reserveCapacity(32)
                for row in rows {
                    // Bound one by one: arrays of values and a String per timestamp cost more than the insert.
                    time.removeAll(keepingCapacity: true)
                    row.timestamp.appendISO8601(to: &time)
                    try statement.bindText(row.uuid, at: 1)
                    try statement.bindText(row.event, at: 2)
                    try statement.bindText(row.distinctId, at: 3)
                    try statement.bindText(bytes: time, at: 4)
                    try statement.bindInteger(row.timestamp.microseconds, at: 5)
                    try statement.bindText(bytes: row.properties, at: 6)
                    try statement.bindInteger(row.historical ? 1 : 0, at: 7)
                    if let sentAt = row.sentAt { try statement.bindText(sentAt, at: 8) } else { try statement.bindNull(at: 8) }
                    try statement.bindText(received, at: 9)
                    while try statement.step() {}
                    statement.reset()
                }
            }
        }
    }

    /// A stored event: the same fields as what is inserted.
    public typealias StoredEvent = Row

    /// Every stored event in arrival order (for tests and the demo; not for large stores).
    public func allEvents() throws -> [StoredEvent] {
        try events(where: "1=1", [])
    }

    /// Events matching a SQL condition over the `events` table, in (timestamp, uuid) order when
    /// `ordered`, else arrival order.
    public func events(where condition: String, _ arguments: [SQLiteValue], ordered: Bool = false, limit: Int? = nil) throws -> [StoredEvent] {
        var sql = "SELECT uuid, event, distinct_id, timestamp_us, properties, historical, sent_at FROM events WHERE \(condition)"
        sql += ordered ? " ORDER BY timestamp_us, uuid" : " ORDER BY id"
        if let limit { sql += " LIMIT \(limit)" }
        let rows = try connection.withLock { db in
            try Self.ensureIndexes(db, indexed)
            return try db.query(sql, arguments)
        }
        return try rows.map { row in
            let properties = try JSONParser.parse(row[4].string ?? "{}").objectValue ?? [:]
            return StoredEvent(
                uuid: row[0].string ?? "", event: row[1].string ?? "", distinctId: row[2].string ?? "",
                timestamp: Timestamp(microseconds: row[3].int ?? 0), properties: properties, historical: row[5].int == 1,
                sentAt: row[6].string)
        }
    }

    /// Runs a read-only query over the store.
    public func rawQuery(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        try connection.withLock { db in
            try Self.ensureIndexes(db, indexed)
            return try db.query(sql, arguments)
        }
    }

    /// Builds the read indexes once; called under the connection's lock.
    static func ensureIndexes(_ db: SQLiteConnection, _ indexed: borrowing Atomic<Bool>) throws {
        guard !indexed.load(ordering: .relaxed) else { return }
        try db.execute(
            """
            CREATE INDEX IF NOT EXISTS events_uuid ON events(uuid);
            CREATE INDEX IF NOT EXISTS events_ts ON events(timestamp_us, uuid);
            """)
        indexed.store(true, ordering: .relaxed)
    }

    /// Counts of stored events.
    public func counts() throws -> (events: Int, distinctUUIDs: Int) {
        try connection.withLock { db in
            try Self.ensureIndexes(db, indexed)
            let rows = try db.query("SELECT COUNT(*), COUNT(DISTINCT uuid) FROM events")
            return (Int(rows[0][0].int ?? 0), Int(rows[0][1].int ?? 0))
        }
    }
}
