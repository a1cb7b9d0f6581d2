import CSQLite

// All of HogportKit's unsafe SQLite code is in this file, behind SQLiteConnection and
// SQLiteStatement, which finalize and close in deinit.

/// One connection to a SQLite database file, opened in WAL mode.
///
/// Not thread-safe: each connection belongs to one task at a time (the import coordinator, the
/// sink's store actor).
public final class SQLiteConnection {
    let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]
    public let path: String

    /// Opens (creating if needed) the database at `path`; with `existingOnly`, opens an existing
    /// one as it is (no file created, journal mode left alone), for looking at it. Read-write
    /// even then: a read-only connection cannot recover a WAL index another connection left
    /// behind, and waits out the busy timeout instead.
    public init(path: String, existingOnly: Bool = false) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (existingOnly ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message): \(path)")
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 5000)
        if existingOnly { return }
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=NORMAL")
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, _ sql: String?) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "error"
            sqlite3_free(message)
            throw SQLiteError(code: rc, message: text, sql: sql)
        }
    }

    /// A prepared statement for `sql`, cached and reset for reuse.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, sql) }
        let statement = SQLiteStatement(handle: stmt, connection: self, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Runs `sql` with `arguments` and returns every row.
    @discardableResult
    public func query(_ sql: String, _ arguments: [SQLiteValue] = []) throws(SQLiteError) -> [[SQLiteValue]] {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        var rows: [[SQLiteValue]] = []
        while try statement.step() {
            rows.append((0..<statement.columnCount).map { statement.value(at: $0) })
        }
        statement.reset()
        return rows
    }

    /// Runs `body` in one transaction, committing on success and rolling back on error.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The rowid of the last insert.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }
}

/// A value bound to or read from SQLite.
public enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var int: Int64? {
        if case .integer(let i) = self { return i }
        return nil
    }

    public var string: String? {
        if case .text(let s) = self { return s }
        return nil
    }
}

extension SQLiteValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// A prepared statement owned by its connection.
public final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let connection: SQLiteConnection
    let sql: String

    init(handle: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and its bindings for the next execution.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds `values` to parameters 1...n.
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        try bind(at: 1, values)
    }

    /// Binds `values` to parameters starting at `first` (1-based).
    public func bind(at first: Int32, _ values: [SQLiteValue]) throws(SQLiteError) {
        for (i, value) in values.enumerated() {
            let index = first + Int32(i)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .real(let v): rc = sqlite3_bind_double(handle, index, v)
            case .text(let v):
                // With its length, so text holding NUL bytes is stored whole.
                var text = v
                rc = text.withUTF8 { utf8 in
                    UnsafeRawBufferPointer(utf8).withMemoryRebound(to: CChar.self) {
                        // An empty string still needs a non-null pointer, or SQLite binds NULL.
                        $0.isEmpty
                            ? sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
                            : sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), csqlite_transient())
                    }
                }
            case .blob(let v):
                rc = v.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), csqlite_transient()) }
            }
            guard rc == SQLITE_OK else { throw connection.error(rc, sql) }
        }
    }

    /// Binds UTF-8 bytes as text at `index` (1-based) without building a String.
    public func bindText(bytes: [UInt8], at index: Int32) throws(SQLiteError) {
        let rc = bytes.withUnsafeBufferPointer { rawBindText($0, at: index) }
        guard rc == SQLITE_OK else { throw connection.error(rc, sql) }
    }

    /// Binds UTF-8 bytes as text at `index` (1-based); SQLite copies them.
    public func bindText(buffer: UnsafeBufferPointer<UInt8>, at index: Int32) throws(SQLiteError) {
        let rc = rawBindText(buffer, at: index)
        guard rc == SQLITE_OK else { throw connection.error(rc, sql) }
    }

    private func rawBindText(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int32) -> Int32 {
        UnsafeRawBufferPointer(buffer).withMemoryRebound(to: CChar.self) {
            // An empty buffer still needs a non-null pointer, or SQLite binds NULL.
            $0.isEmpty
                ? sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
                : sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), csqlite_transient())
        }
    }

    /// Binds a string as text at `index` (1-based), without an intermediate array.
    public func bindText(_ string: String, at index: Int32) throws(SQLiteError) {
        var string = string
        let rc = string.withUTF8 { rawBindText($0, at: index) }
        guard rc == SQLITE_OK else { throw connection.error(rc, sql) }
    }

    /// Binds an integer at `index` (1-based).
    public func bindInteger(_ value: Int64, at index: Int32) throws(SQLiteError) {
        let rc = sqlite3_bind_int64(handle, index, value)
        guard rc == SQLITE_OK else { throw connection.error(rc, sql) }
    }

    /// Binds NULL at `index` (1-based).
    public func bindNull(at index: Int32) throws(SQLiteError) {
        let rc = sqlite3_bind_null(handle, index)
        guard rc == SQLITE_OK else { throw connection.error(rc, sql) }
    }

    /// Advances; true while a row is available.
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc, sql)
        }
    }

    /// Runs the statement to completion with `values`.
    public func run(_ values: [SQLiteValue]) throws(SQLiteError) {
        reset()
        try bind(values)
        while try step() {}
        reset()
    }

    var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// The value of column `index` (0-based) of the current row.
    public func value(at index: Int) -> SQLiteValue {
        let i = Int32(index)
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(handle, i))
            guard let p = sqlite3_column_text(handle, i) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, i))
            guard let p = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: count)))
        default: return .null
        }
    }
}
