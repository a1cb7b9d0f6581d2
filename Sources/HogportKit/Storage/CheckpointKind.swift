import Foundation

/// Which job a checkpoint database belongs to, told by its tables, so `hogport status` reads
/// either kind and neither job writes its tables into the other's database.
public enum CheckpointKind: String, Sendable {
    case `import`
    case export

    /// The kind of the database at `path`; nil when there is no file there or it holds neither
    /// job (a new or empty database). Opens the file read-only; a file that cannot be read (not
    /// a database, locked) is an error, not "neither".
    public static func of(path: String) throws(SQLiteError) -> CheckpointKind? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let db = try SQLiteConnection(path: path, readOnly: true)
        let rows = try db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('job', 'export_job')")
        let names = Set(rows.compactMap { $0.first?.string })
        if names.contains("export_job") { return .export }
        if names.contains("job") { return .import }
        return nil
    }
}
