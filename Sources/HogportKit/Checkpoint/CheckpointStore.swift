import PostHogKit
import PostHogCore
import Foundation

/// An import job's progress in SQLite (WAL): each input file's identity and committed position
/// and counts, the job's configuration fingerprint, and the last error. One database per job.
///
/// Only the import's coordinating task touches it, so it needs no locking of its own.
public final class CheckpointStore {
    let db: SQLiteConnection
    public let path: String

    public init(path: String) throws(SQLiteError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        db = try SQLiteConnection(path: path)
        self.path = path
        try db.execute(
            """
            CREATE TABLE IF NOT EXISTS job (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                fingerprint TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'running',
                last_error TEXT
            );
            CREATE TABLE IF NOT EXISTS files (
                path TEXT PRIMARY KEY,
                size INTEGER NOT NULL,
                mtime INTEGER NOT NULL,
                head_hash TEXT NOT NULL,
                line INTEGER NOT NULL DEFAULT 0,
                offset INTEGER NOT NULL DEFAULT 0,
                rows INTEGER NOT NULL DEFAULT 0,
                sent INTEGER NOT NULL DEFAULT 0,
                rejected INTEGER NOT NULL DEFAULT 0,
                skipped INTEGER NOT NULL DEFAULT 0,
                kinds TEXT NOT NULL DEFAULT '{}',
                done INTEGER NOT NULL DEFAULT 0,
                updated_at TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS links (
                device_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                PRIMARY KEY (device_id, user_id)
            );
            CREATE TABLE IF NOT EXISTS destination (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                host TEXT NOT NULL,
                key_fingerprint TEXT NOT NULL
            );
            """)
    }

    /// Where the job's rows went: the host and a fingerprint of the project key (never the key).
    public func destination() throws(SQLiteError) -> ImportDestination? {
        guard let row = try db.query("SELECT host, key_fingerprint FROM destination WHERE id = 1").first,
            let host = row[0].string, let key = row[1].string
        else { return nil }
        return ImportDestination(host: host, keyFingerprint: key)
    }

    /// Records where the job's rows go.
    public func setDestination(_ destination: ImportDestination) throws(SQLiteError) {
        try db.query(
            "INSERT INTO destination (id, host, key_fingerprint) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET host = excluded.host, key_fingerprint = excluded.key_fingerprint",
            [.text(destination.host), .text(destination.keyFingerprint)])
    }

    /// The fingerprint the job was started with, if any.
    public func fingerprint() throws(SQLiteError) -> String? {
        try db.query("SELECT fingerprint FROM job WHERE id = 1").first?[0].string
    }

    /// Starts (or restarts) the job with `fingerprint`, forgetting all progress.
    public func reset(fingerprint: String) throws(SQLiteError) {
        let now = Timestamp.now().iso8601
        try db.execute("DELETE FROM files; DELETE FROM links; DELETE FROM job; DELETE FROM destination;")
        try db.query("INSERT INTO job (id, fingerprint, created_at, updated_at) VALUES (1, ?, ?, ?)", [.text(fingerprint), .text(now), .text(now)])
    }

    /// Records the job's status and last error.
    public func setStatus(_ status: String, error: String?) throws(SQLiteError) {
        try db.query(
            "UPDATE job SET status = ?, last_error = ?, updated_at = ? WHERE id = 1",
            [.text(status), error.map { .text($0) } ?? .null, .text(Timestamp.now().iso8601)])
    }

    /// The job's status and last error.
    public func status() throws(SQLiteError) -> (status: String, lastError: String?, created: String, updated: String)? {
        guard let row = try db.query("SELECT status, last_error, created_at, updated_at FROM job WHERE id = 1").first else { return nil }
        return (row[0].string ?? "", row[1].string, row[2].string ?? "", row[3].string ?? "")
    }

    /// Every file's progress, in the order first recorded.
    public func allProgress() throws(SQLiteError) -> [FileProgress] {
        try db.query("SELECT path, size, mtime, head_hash, line, offset, rows, sent, rejected, skipped, kinds, done FROM files ORDER BY rowid").map(
            Self.progress)
    }

    /// One file's progress.
    public func progress(for path: String) throws(SQLiteError) -> FileProgress? {
        try db.query("SELECT path, size, mtime, head_hash, line, offset, rows, sent, rejected, skipped, kinds, done FROM files WHERE path = ?", [.text(path)])
            .first.map(Self.progress)
    }

    static func progress(_ row: [SQLiteValue]) -> FileProgress {
        var counts = ImportCounts()
        counts.rows = Int(row[6].int ?? 0)
        counts.sent = Int(row[7].int ?? 0)
        counts.rejected = Int(row[8].int ?? 0)
        counts.skipped = Int(row[9].int ?? 0)
        if let text = row[10].string, case .object(let kinds)? = try? JSONParser.parse(text) {
            for (name, n) in kinds { if let kind = MessageKind(rawValue: name), let n = n.intValue { counts.kinds[kind] = Int(n) } }
        }
        return FileProgress(
            identity: FileIdentity(path: row[0].string ?? "", size: row[1].int ?? 0, modified: row[2].int ?? 0, headHash: row[3].string ?? ""),
            line: Int(row[4].int ?? 0), offset: row[5].int ?? 0, counts: counts, done: row[11].int == 1)
    }

    /// Saves progress for several files in one transaction.
    public func save(_ progress: [FileProgress]) throws {
        guard !progress.isEmpty else { return }
        let now = Timestamp.now().iso8601
        try db.transaction {
            for p in progress {
                var kinds: [String: JSONValue] = [:]
                for (kind, n) in p.counts.kinds { kinds[kind.rawValue] = .int(Int64(n)) }
                try db.prepare(
                    """
                    INSERT INTO files (path, size, mtime, head_hash, line, offset, rows, sent, rejected, skipped, kinds, done, updated_at)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
                    ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime=excluded.mtime, head_hash=excluded.head_hash,
                      line=excluded.line, offset=excluded.offset, rows=excluded.rows, sent=excluded.sent, rejected=excluded.rejected,
                      skipped=excluded.skipped, kinds=excluded.kinds, done=excluded.done, updated_at=excluded.updated_at
                    """
                ).run([
                    .text(p.identity.path), .integer(p.identity.size), .integer(p.identity.modified), .text(p.identity.headHash),
                    .integer(Int64(p.line)), .integer(p.offset), .integer(Int64(p.counts.rows)), .integer(Int64(p.counts.sent)),
                    .integer(Int64(p.counts.rejected)), .integer(Int64(p.counts.skipped)), .text(JSONWriter.string(.object(kinds), sortedKeys: true)),
                    .integer(p.done ? 1 : 0), .text(now),
                ])
            }
            try db.query("UPDATE job SET updated_at = ? WHERE id = 1", [.text(now)])
        }
    }

    /// Every (device, user) pair linked so far (`--link-devices`), for ``DeviceLinker``.
    public func linkedPairs() throws(SQLiteError) -> Set<DeviceLink.Key> {
        var pairs: Set<DeviceLink.Key> = []
        for row in try db.query("SELECT device_id, user_id FROM links") {
            if let device = row[0].string, let user = row[1].string { pairs.insert(DeviceLink.Key(deviceId: device, userId: user)) }
        }
        return pairs
    }

    /// Remembers several links in one transaction (pairs already known are left as they are).
    public func rememberLinks(_ links: [DeviceLink]) throws {
        guard !links.isEmpty else { return }
        try db.transaction {
            for link in links {
                try db.query("INSERT OR IGNORE INTO links (device_id, user_id) VALUES (?, ?)", [.text(link.deviceId), .text(link.userId)])
            }
        }
    }

    /// Remembers a (device, user) link; returns false when it was already known.
    public func rememberLink(deviceId: String, userId: String) throws(SQLiteError) -> Bool {
        try db.query("INSERT OR IGNORE INTO links (device_id, user_id) VALUES (?, ?)", [.text(deviceId), .text(userId)])
        return db.changes > 0
    }
}
