import Foundation
public import PostHogCore
import PostHogKit

/// An export's progress in SQLite (WAL), one database per export (default
/// `<out>/.hogport-export.db`):
///
/// - `export_job`: the configuration fingerprint, the `since` it started from, the cursor (the
///   last row in a published file), how far the export is known complete (`through_us`), and
///   the floor above which every exported uuid is remembered (`seen_since_us`);
/// - `export_files`: every published file with its rows, bytes, SHA-1 and time range;
/// - `export_seen`: the uuids exported in the last `--lookback` window, for deduplication.
///
/// A published file, the cursor move it allows and its uuids are committed in one transaction,
/// after the file is renamed: a kill before the commit leaves a file that the next run writes
/// again under the same name.
public final class ExportCheckpoint {
    let db: SQLiteConnection
    public let path: String

    public init(path: String) throws(ExportError) {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        do {
            db = try SQLiteConnection(path: path)
            try db.execute(
                """
                CREATE TABLE IF NOT EXISTS export_job (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    fingerprint TEXT NOT NULL,
                    since_us INTEGER NOT NULL,
                    cursor_us INTEGER,
                    cursor_uuid TEXT,
                    through_us INTEGER,
                    seen_since_us INTEGER NOT NULL,
                    status TEXT NOT NULL DEFAULT 'running',
                    last_error TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE TABLE IF NOT EXISTS export_files (
                    name TEXT PRIMARY KEY,
                    day INTEGER NOT NULL,
                    part INTEGER NOT NULL,
                    rows INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    sha1 TEXT NOT NULL,
                    first_us INTEGER,
                    last_us INTEGER,
                    complete INTEGER NOT NULL,
                    lookback INTEGER NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE IF NOT EXISTS export_seen (
                    uuid TEXT PRIMARY KEY,
                    ts_us INTEGER NOT NULL
                );
                CREATE INDEX IF NOT EXISTS export_seen_ts ON export_seen(ts_us);
                """)
        } catch {
            throw ExportError(.outputUnwritable, "cannot open the checkpoint \(path): \(error)")
        }
    }

    /// The export's recorded state.
    public struct Job: Sendable, Equatable {
        public var fingerprint: String
        public var since: Timestamp
        public var cursor: ExportCursor?
        /// Everything before this instant is exported (set when a run reaches its end).
        public var through: Timestamp?
        /// Every uuid exported at or after this instant is in `export_seen`.
        public var seenSince: Timestamp
        public var status: String
        public var lastError: String?
    }

    public func job() throws(ExportError) -> Job? {
        let rows = try run {
            try db.query("SELECT fingerprint, since_us, cursor_us, cursor_uuid, through_us, seen_since_us, status, last_error FROM export_job WHERE id = 1")
        }
        guard let row = rows.first else { return nil }
        var cursor: ExportCursor?
        if let us = row[2].int, let uuid = row[3].string { cursor = ExportCursor(timestamp: Timestamp(microseconds: us), uuid: uuid) }
        return Job(
            fingerprint: row[0].string ?? "", since: Timestamp(microseconds: row[1].int ?? 0), cursor: cursor,
            through: row[4].int.map { Timestamp(microseconds: $0) }, seenSince: Timestamp(microseconds: row[5].int ?? 0),
            status: row[6].string ?? "", lastError: row[7].string)
    }

    /// Starts the export afresh (forgetting files, cursor and uuids).
    public func reset(fingerprint: String, since: Timestamp) throws(ExportError) {
        let now = Timestamp.now().iso8601
        try run {
            try db.transaction {
                try db.execute("DELETE FROM export_job; DELETE FROM export_files; DELETE FROM export_seen;")
                try db.query(
                    "INSERT INTO export_job (id, fingerprint, since_us, seen_since_us, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?)",
                    [.text(fingerprint), .integer(since.microseconds), .integer(since.microseconds), .text(now), .text(now)])
            }
        }
    }

    /// The next part number for `day` (1 when the day has no file yet).
    public func nextPart(day: Int64) throws(ExportError) -> Int {
        let rows = try run { try db.query("SELECT MAX(part) FROM export_files WHERE day = ?", [.integer(day)]) }
        return Int(rows.first?[0].int ?? 0) + 1
    }

    /// Which of `uuids` were exported already (within the remembered window).
    public func seen(_ uuids: [String]) throws(ExportError) -> Set<String> {
        var found: Set<String> = []
        try run {
            let statement = try db.prepare("SELECT 1 FROM export_seen WHERE uuid = ?")
            for uuid in uuids {
                statement.reset()
                try statement.bind([.text(uuid)])
                if try statement.step() { found.insert(uuid) }
            }
            statement.reset()
        }
        return found
    }

    /// Remembers `uuids` as exported and lowers the remembered window's floor to `since` (for a
    /// lookback window the checkpoint did not keep, read back from the published files).
    public func rememberExported(_ uuids: [(String, Int64)], since: Timestamp) throws(ExportError) {
        try run {
            try db.transaction {
                let insert = try db.prepare("INSERT OR IGNORE INTO export_seen (uuid, ts_us) VALUES (?, ?)")
                for (uuid, us) in uuids where us >= since.microseconds {
                    try insert.run([.text(uuid), .integer(us)])
                }
                _ = try db.query("UPDATE export_job SET seen_since_us = MIN(seen_since_us, ?) WHERE id = 1", [.integer(since.microseconds)])
            }
        }
    }

    /// Records a published file in one transaction: the file, the new cursor (nil for a lookback
    /// part, which does not move it), its rows' uuids at or after `seenFloor`, and forgets older
    /// uuids.
    public func commit(
        _ file: DayFileWriter.Published, complete: Bool, lookback: Bool, cursor: ExportCursor?, uuids: [(String, Int64)], seenFloor: Int64
    ) throws(ExportError) {
        let now = Timestamp.now().iso8601
        try run {
            try db.transaction {
                try db.prepare(
                    """
                    INSERT OR REPLACE INTO export_files (name, day, part, rows, bytes, sha1, first_us, last_us, complete, lookback, created_at)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?)
                    """
                ).run([
                    .text(file.name), .integer(file.day), .integer(Int64(file.part)), .integer(Int64(file.rows)), .integer(Int64(file.bytes)),
                    .text(file.sha1), file.first.map { .integer($0.timestamp.microseconds) } ?? .null,
                    file.last.map { .integer($0.timestamp.microseconds) } ?? .null, .integer(complete ? 1 : 0), .integer(lookback ? 1 : 0), .text(now),
                ])
                if let cursor {
                    try db.query(
                        "UPDATE export_job SET cursor_us = ?, cursor_uuid = ?, updated_at = ? WHERE id = 1",
                        [.integer(cursor.timestamp.microseconds), .text(cursor.uuid), .text(now)])
                }
                let insert = try db.prepare("INSERT OR IGNORE INTO export_seen (uuid, ts_us) VALUES (?, ?)")
                for (uuid, us) in uuids where us >= seenFloor {
                    try insert.run([.text(uuid), .integer(us)])
                }
                let floorRows = try db.query("SELECT seen_since_us FROM export_job WHERE id = 1")
                if let current = floorRows.first?[0].int, seenFloor > current {
                    try db.query("DELETE FROM export_seen WHERE ts_us < ?", [.integer(seenFloor)])
                    try db.query("UPDATE export_job SET seen_since_us = ? WHERE id = 1", [.integer(seenFloor)])
                }
            }
        }
    }

    /// Records that everything before `through` is exported.
    public func setThrough(_ through: Timestamp) throws(ExportError) {
        try run {
            _ = try db.query(
                "UPDATE export_job SET through_us = MAX(COALESCE(through_us, 0), ?), updated_at = ? WHERE id = 1",
                [.integer(through.microseconds), .text(Timestamp.now().iso8601)])
        }
    }

    /// Records the run's status and last error.
    public func setStatus(_ status: String, error: String?) throws(ExportError) {
        try run {
            _ = try db.query(
                "UPDATE export_job SET status = ?, last_error = ?, updated_at = ? WHERE id = 1",
                [.text(status), error.map { .text($0) } ?? .null, .text(Timestamp.now().iso8601)])
        }
    }

    /// One published file as recorded.
    public struct FileRecord: Sendable, Equatable {
        public var name: String
        public var day: Int64
        public var part: Int
        public var rows: Int
        public var bytes: Int
        public var sha1: String
        public var first: Timestamp?
        public var last: Timestamp?
        public var complete: Bool
        public var lookback: Bool
    }

    /// Every published file, by day and part.
    public func files() throws(ExportError) -> [FileRecord] {
        try run {
            try db.query("SELECT name, day, part, rows, bytes, sha1, first_us, last_us, complete, lookback FROM export_files ORDER BY day, part")
        }.map { row in
            FileRecord(
                name: row[0].string ?? "", day: row[1].int ?? 0, part: Int(row[2].int ?? 0), rows: Int(row[3].int ?? 0), bytes: Int(row[4].int ?? 0),
                sha1: row[5].string ?? "", first: row[6].int.map { Timestamp(microseconds: $0) }, last: row[7].int.map { Timestamp(microseconds: $0) },
                complete: row[8].int == 1, lookback: row[9].int == 1)
        }
    }

    /// How many uuids are remembered.
    public func seenCount() throws(ExportError) -> Int {
        Int(try run { try db.query("SELECT COUNT(*) FROM export_seen") }.first?[0].int ?? 0)
    }

    func run<T>(_ body: () throws -> T) throws(ExportError) -> T {
        do {
            return try body()
        } catch {
            throw ExportError(.outputUnwritable, "the checkpoint \(path) cannot be written: \(error)")
        }
    }
}
