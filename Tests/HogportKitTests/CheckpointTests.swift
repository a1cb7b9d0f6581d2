import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// FileIdentity and CheckpointStore.
@Suite("Checkpoint: FileIdentity and CheckpointStore")
struct CheckpointTests {
    static func bigText(_ lines: Int, tag: String = "a") -> String {
        (0..<lines).map { "{\"n\":\($0),\"tag\":\"\(tag)\",\"pad\":\"\(String(repeating: "p", count: 40))\"}\n" }.joined()
    }

    @Test("an unchanged file is the same; identity has size and a 40-hex head hash")
    func same() throws {
        try withTemporaryDirectory { dir in
            let path = try dir.write("a.ndjson", Self.bigText(10))
            let first = try FileIdentity.of(path)
            let second = try FileIdentity.of(path)
            #expect(second.compared(to: first) == .same)
            #expect(first.path == path)
            #expect(first.size == Int64(Self.bigText(10).utf8.count))
            #expect(first.headHash.count == 40)
            #expect(first.headHash.allSatisfy { "0123456789abcdef".contains($0) })
        }
    }

    @Test("a large file appended to has grown")
    func grownLarge() throws {
        try withTemporaryDirectory { dir in
            let path = try dir.write("big.ndjson", Self.bigText(2_000))
            let before = try FileIdentity.of(path)
            #expect(before.size > 64 * 1024)
            try appendText(path, Self.bigText(10, tag: "new"))
            let after = try FileIdentity.of(path)
            #expect(after.size > before.size)
            #expect(after.compared(to: before) == .grown)
        }
    }

    @Test("a small file (under 64 KiB) appended to has grown too, not been replaced")
    func grownSmall() throws {
        try withTemporaryDirectory { dir in
            let path = try dir.write("small.ndjson", Self.bigText(5))
            let before = try FileIdentity.of(path)
            try appendText(path, Self.bigText(5, tag: "new"))
            #expect(try FileIdentity.of(path).compared(to: before) == .grown)
        }
    }

    @Test("different content, or a shrunk file, is replaced")
    func replaced() throws {
        try withTemporaryDirectory { dir in
            let path = try dir.write("r.ndjson", Self.bigText(2_000))
            let original = try FileIdentity.of(path)
            try dir.write("r.ndjson", Self.bigText(2_000, tag: "b"))
            #expect(try FileIdentity.of(path).compared(to: original) == .replaced)
            try dir.write("r.ndjson", Self.bigText(1_999))
            #expect(try FileIdentity.of(path).compared(to: original) == .replaced)
            try dir.write("r.ndjson", "x" + Self.bigText(2_000).dropFirst())
            #expect(try FileIdentity.of(path).compared(to: original) == .replaced)
        }
    }

    @Test("standard input has no identity to check; a missing file is an InputError")
    func stdinAndMissing() throws {
        let stdin = try FileIdentity.of("-")
        var earlier = stdin
        earlier.size = 99
        earlier.headHash = "x"
        #expect(stdin.compared(to: earlier) == .same)
        #expect {
            _ = try FileIdentity.of("/nonexistent/hogport/file.ndjson")
        } throws: { error in
            (error as? InputError)?.file == "/nonexistent/hogport/file.ndjson"
        }
    }

    static func progress(_ path: String, line: Int, offset: Int64, rows: Int, done: Bool = false) -> FileProgress {
        var counts = ImportCounts()
        counts.rows = rows
        counts.sent = rows - 2
        counts.rejected = 1
        counts.skipped = 1
        counts.kinds = [.capture: rows - 3, .identify: 1]
        var identity = try! FileIdentity.of("-")
        identity.path = path
        identity.size = 1_000 + offset
        identity.modified = 1_709_287_200_000
        identity.headHash = "ab12"
        return FileProgress(identity: identity, line: line, offset: offset, counts: counts, done: done)
    }

    @Test("save and load round-trip every field, in the order first recorded; saves update in place")
    func roundTrip() throws {
        try withTemporaryDirectory { dir in
            let path = dir.file("nested/dir/job.db")
            let store = try CheckpointStore(path: path)
            #expect(try store.fingerprint() == nil)
            #expect(try store.status() == nil)
            #expect(try store.allProgress().isEmpty)
            try store.reset(fingerprint: "fp-1")
            let a = Self.progress("b-second-alphabetically.ndjson", line: 10, offset: 500, rows: 10)
            let b = Self.progress("a-first.ndjson", line: 3, offset: 90, rows: 3, done: true)
            try store.save([a, b])
            #expect(try store.allProgress() == [a, b])
            #expect(try store.progress(for: "a-first.ndjson") == b)
            #expect(try store.progress(for: "missing") == nil)
            var a2 = a
            a2.line = 20
            a2.offset = 1_000
            a2.counts.rows = 20
            a2.done = true
            try store.save([a2])
            // A fresh connection sees the same.
            let reopened = try CheckpointStore(path: path)
            #expect(try reopened.allProgress() == [a2, b])
            #expect(try reopened.fingerprint() == "fp-1")
            try store.save([])
        }
    }

    @Test("status: running after reset, then the status and last error set; reset forgets files and links")
    func statusAndReset() throws {
        try withTemporaryDirectory { dir in
            let store = try CheckpointStore(path: dir.file("job.db"))
            try store.reset(fingerprint: "fp-1")
            #expect(try store.status()?.status == "running")
            #expect(try store.status()?.lastError == nil)
            try store.setStatus("failed", error: "the server refused the API key")
            #expect(try store.status()?.status == "failed")
            #expect(try store.status()?.lastError == "the server refused the API key")
            try store.setStatus("finished", error: nil)
            #expect(try store.status()?.lastError == nil)
            try store.save([Self.progress("f.ndjson", line: 1, offset: 10, rows: 3)])
            #expect(try store.rememberLink(deviceId: "d", userId: "u"))
            try store.reset(fingerprint: "fp-2")
            #expect(try store.fingerprint() == "fp-2")
            #expect(try store.allProgress().isEmpty)
            #expect(try store.rememberLink(deviceId: "d", userId: "u"))
            #expect(try store.status()?.status == "running")
        }
    }

    @Test("links: remembered once")
    func links() throws {
        try withTemporaryDirectory { dir in
            let store = try CheckpointStore(path: dir.file("job.db"))
            try store.reset(fingerprint: "fp")
            #expect(try store.rememberLink(deviceId: "dev-1", userId: "user-1"))
            #expect(try !store.rememberLink(deviceId: "dev-1", userId: "user-1"))
            #expect(try store.rememberLink(deviceId: "dev-1", userId: "user-2"))
            #expect(try store.rememberLink(deviceId: "dev-2", userId: "user-1"))
            #expect(try !CheckpointStore(path: dir.file("job.db")).rememberLink(deviceId: "dev-2", userId: "user-1"))
        }
    }
}
