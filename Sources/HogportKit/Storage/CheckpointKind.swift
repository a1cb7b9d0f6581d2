import Foundation

/// Which job a checkpoint database belongs to, told by its tables, so `hogport status` reads
/// either kind and neither job writes its tables into the other's database.
public enum CheckpointKind: String, Sendable {
    case `import`
    case export

    /// The kind of the database at `path`; nil when there is no file there or it holds neither
    /// job (a new or empty database). Only reads it; a file that cannot be read (not a
    /// database, locked) is an error, not "neither".
    public static func of(path: String) throws(SQLiteError) -> CheckpointKind? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let db = try SQLiteConnection(path: path, existingOnly: true)
        let rows = try db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('job', 'export_job')")
        let names = Set(rows.compactMap { $0.first?.string })
        if names.contains("export_job") { return .export }
        if names.contains("job") { return .import }
        return nil
    }

    /// Why the database at `path` cannot hold a job of `kind` (it belongs to the other kind, or
    /// cannot be read), for a usage error; nil when it can (it is of that kind, new or empty).
    public static func refusal(path: String, for kind: CheckpointKind) -> String? {
        do {
            guard let found = try of(path: path), found != kind else { return nil }
            return "the checkpoint \(path) belongs to an \(found.rawValue), not an \(kind.rawValue): use another --checkpoint"
        } catch {
            return "cannot read the checkpoint \(path): \(error)"
        }
    }
}
