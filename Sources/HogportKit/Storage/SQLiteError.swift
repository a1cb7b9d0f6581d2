/// A SQLite failure, with SQLite's own message and the statement that failed.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var sql: String?

    public var description: String {
        var text = "SQLite error \(code): \(message)"
        if let sql { text += " (in: \(sql.prefix(120)))" }
        if let hint { text += "; \(hint)" }
        return text
    }

    /// What to do about the error, for the codes a user can act on.
    public var hint: String? {
        switch code & 0xFF {
        case 5, 6: return "another process is using the database; wait for it, or use another file"
        case 8: return "the file or its folder is read-only; make it writable or choose another path"
        case 10: return "a disk read or write failed; check the disk and free space"
        case 11, 26: return "the file is not a usable SQLite database; move it away or choose another path"
        case 13: return "the disk is full; free space and run again"
        case 14: return "the file cannot be opened; check that its folder exists and is writable"
        case 23: return "permission denied; check the file's owner and mode"
        default: return nil
        }
    }
}
