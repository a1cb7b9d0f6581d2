import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

@Suite("SQLiteConnection")
struct SQLiteTests {
    func withDatabase<R>(_ body: (SQLiteConnection, TemporaryDirectory) throws -> R) throws -> R {
        try withTemporaryDirectory { directory throws in
            try body(try SQLiteConnection(path: directory.file("test.db")), directory)
        }
    }

    @Test("Opens in WAL mode and creates the file")
    func open() throws {
        try withDatabase { db, directory throws in
            #expect(FileManager.default.fileExists(atPath: directory.file("test.db")))
            #expect(db.path == directory.file("test.db"))
            let mode = try db.query("PRAGMA journal_mode")
            #expect(mode == [[.text("wal")]])
        }
    }

    @Test("Every value type binds and reads back")
    func valueRoundTrip() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t (v)")
            let values: [SQLiteValue] = [
                .null, .integer(0), .integer(.max), .integer(.min), .real(3.25), .real(-0.0), .text(""), .text("héllo 😀"),
                .blob([]), .blob([0, 1, 2, 255]),
            ]
            for value in values { try db.query("INSERT INTO t (v) VALUES (?)", [value]) }
            let rows = try db.query("SELECT v FROM t ORDER BY rowid")
            #expect(rows.map { $0[0] }.count == values.count)
            for (row, value) in zip(rows, values) {
                switch value {
                case .blob(let bytes) where bytes.isEmpty:
                    // SQLite stores a zero-length blob; it reads back as an empty blob (or null on some builds).
                    #expect(row[0] == .blob([]) || row[0] == .null)
                default:
                    #expect(row[0] == value)
                }
            }
            #expect(db.lastInsertRowID == Int64(values.count))
            #expect(db.changes == 1)
        }
    }

    @Test("Text with an embedded NUL is stored whole, not cut at the NUL")
    func embeddedNUL() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t (v TEXT)")
            try db.query("INSERT INTO t (v) VALUES (?)", [.text("before\u{0}after")])
            let rows = try db.query("SELECT v, length(CAST(v AS BLOB)) FROM t")
            do {
                #expect(rows == [[.text("before\u{0}after"), .integer(12)]])
            }
        }
    }

    @Test("Literals and accessors")
    func literals() {
        let text: SQLiteValue = "abc"
        let number: SQLiteValue = 42
        let null: SQLiteValue = nil
        #expect(text.string == "abc" && text.int == nil)
        #expect(number.int == 42 && number.string == nil)
        #expect(null == .null)
    }

    @Test("Prepared statements are cached and reusable; run() executes with new bindings")
    func statements() throws {
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t (a INTEGER, b TEXT)")
            let insert = try db.prepare("INSERT INTO t VALUES (?, ?)")
            #expect(try db.prepare("INSERT INTO t VALUES (?, ?)") === insert)
            for i in 0..<100 { try insert.run([.integer(Int64(i)), .text("row \(i)")]) }
            #expect(try db.query("SELECT COUNT(*), SUM(a) FROM t") == [[.integer(100), .integer(4950)]])
            #expect(try db.query("SELECT b FROM t WHERE a = ?", [7]) == [[.text("row 7")]])
            #expect(try db.query("SELECT b FROM t WHERE a = ?", [8]) == [[.text("row 8")]], "the cached statement rebinds")
            let bytes = Array("from bytes ✓".utf8)
            let statement = try db.prepare("SELECT ?")
            try statement.bindText(bytes: bytes, at: 1)
            #expect(try statement.step())
            #expect(statement.value(at: 0) == .text("from bytes ✓"))
            statement.reset()
        }
    }

    @Test("A transaction commits on success and rolls back on error")
    func transactions() throws {
        struct Boom: Error {}
        try withDatabase { db, _ throws in
            try db.execute("CREATE TABLE t (a INTEGER)")
            try db.transaction {
                try db.query("INSERT INTO t VALUES (1)")
                try db.query("INSERT INTO t VALUES (2)")
            }
            #expect(throws: Boom.self) {
                try db.transaction {
                    try db.query("INSERT INTO t VALUES (3)")
                    throw Boom()
                }
            }
            #expect(try db.query("SELECT a FROM t ORDER BY a") == [[.integer(1)], [.integer(2)]])
            let value = try db.transaction { 42 }
            #expect(value == 42)
        }
    }

    @Test("Errors carry SQLite's message and the statement")
    func errors() throws {
        try withDatabase { db, _ throws in
            let syntax = #expect(throws: SQLiteError.self) { try db.execute("SELEKT 1") }
            #expect(syntax?.message.contains("syntax error") == true)
            #expect(syntax?.sql == "SELEKT 1")
            #expect(syntax?.description.contains("SELEKT") == true)
            let missing = #expect(throws: SQLiteError.self) { try db.query("SELECT * FROM nowhere") }
            #expect(missing?.message.contains("no such table") == true)
            try db.execute("CREATE TABLE u (a INTEGER UNIQUE)")
            try db.query("INSERT INTO u VALUES (1)")
            let constraint = #expect(throws: SQLiteError.self) { try db.query("INSERT INTO u VALUES (1)") }
            #expect(constraint?.code == 19, "SQLITE_CONSTRAINT")
            // The connection is usable after an error.
            #expect(try db.query("SELECT COUNT(*) FROM u") == [[.integer(1)]])
        }
        #expect(throws: SQLiteError.self) { try SQLiteConnection(path: "/nonexistent-dir-\(UUID().uuidString)/x.db") }
    }

    @Test("Two connections to one file see each other's commits (WAL)")
    func twoConnections() throws {
        try withDatabase { writer, directory throws in
            try writer.execute("CREATE TABLE t (a INTEGER)")
            let reader = try SQLiteConnection(path: directory.file("test.db"))
            try writer.query("INSERT INTO t VALUES (5)")
            #expect(try reader.query("SELECT a FROM t") == [[.integer(5)]])
        }
    }
}

@Suite("SinkStore")
struct SinkStoreTests {
    @Test("insert, allEvents, counts, filtered and ordered queries, summary")
    func storeQueries() async throws {
        try await withSink { sink throws in
            let store = sink.router.store
            let dup = EventUUID.v7()
            let events: [JSONValue] = [
                RawEvents.event("b", uuid: dup, timestamp: "2025-01-03T00:00:00Z"),
                RawEvents.event("a", timestamp: "2025-01-01T00:00:00Z"),
                RawEvents.event("b", uuid: dup, timestamp: "2025-01-02T00:00:00Z"),
            ]
            #expect(try await sink.post("/batch/", json: RawEvents.batch(events, historical: true)).status == 200)
            #expect(try store.allEvents().map(\.event) == ["b", "a", "b"], "arrival order")
            let counts = try store.counts()
            #expect(counts.events == 3)
            #expect(counts.distinctUUIDs == 2)
            let ordered = try store.events(where: "1=1", [], ordered: true)
            #expect(ordered.map(\.timestamp.iso8601) == ["2025-01-01T00:00:00.000Z", "2025-01-02T00:00:00.000Z", "2025-01-03T00:00:00.000Z"])
            #expect(try store.events(where: "event = ?", ["b"], limit: 1).count == 1)
            #expect(try store.events(where: "uuid = ?", [.text(dup)]).count == 2)
            let summary = try store.summary()
            #expect(summary.events == 3)
            #expect(summary.distinctUUIDs == 2)
            #expect(summary.historical == 3)
            #expect(summary.byEvent.map(\.name) == ["b", "a"])
            #expect(summary.byEvent.map(\.count) == [2, 1])
            #expect(summary.earliest?.iso8601 == "2025-01-01T00:00:00.000Z")
            #expect(summary.latest?.iso8601 == "2025-01-03T00:00:00.000Z")
            #expect(try store.rawQuery("SELECT COUNT(*) FROM events WHERE historical = 1") == [[.integer(3)]])
        }
    }

    @Test("An empty store summarises to zero")
    func emptySummary() throws {
        try withTemporaryDirectory { directory throws in
            let summary = try SinkStore(path: directory.file("empty.db")).summary()
            #expect(summary.events == 0)
            #expect(summary.byEvent.isEmpty)
            #expect(summary.earliest == nil)
        }
    }
}
