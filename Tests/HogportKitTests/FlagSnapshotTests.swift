import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// Every regular file under `directory`, relative, sorted.
func flagSnapshotFiles(_ directory: String) -> [String] {
    let fm = FileManager.default
    guard let enumerator = fm.enumerator(atPath: directory) else { return [] }
    var out: [String] = []
    while let path = enumerator.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue { out.append(path) }
    }
    return out.sorted()
}

/// The inode of each file (an atomic rewrite gives a new one).
private func inodes(_ directory: String) throws -> [String: UInt64] {
    var out: [String: UInt64] = [:]
    for file in flagSnapshotFiles(directory) {
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + file)
        out[file] = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
    }
    return out
}

private func bytes(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { Array($0) } }

/// Writes `definitions` into a snapshot at `directory`.
@discardableResult
private func write(_ definitions: JSONValue, raw: [UInt8]? = nil, to directory: String) throws -> FlagSnapshot.Changes {
    try FlagSnapshot(directory: directory).write(definitions: definitions, raw: raw ?? JSONWriter.encode(definitions))
}

/// The keys of the top-level object in a pretty file, in the order they appear.
private func topLevelKeys(_ text: String) -> [String] {
    text.split(separator: "\n").compactMap { line -> String? in
        guard line.hasPrefix("  \""), !line.hasPrefix("   ") else { return nil }
        let rest = line.dropFirst(3)
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

@Suite("Flag snapshot directory (FlagSnapshot)")
struct FlagSnapshotTests {
    @Test("Layout: flags/<key>.json pretty with sorted keys and a final newline, cohorts, group types, definitions.json as received")
    func layout() throws {
        let directory = try TemporaryDirectory(prefix: "flag-snapshot")
        defer { directory.remove() }
        let raw = try FlagVectors.definitionsBytes()
        let definitions = try JSONParser.parse(raw)
        let flags = try #require(definitions["flags"]?.arrayValue)
        let changes = try FlagSnapshot(directory: directory.path).write(definitions: definitions, raw: raw)

        let expectedFiles =
            (flags.map { "flags/" + FlagSnapshot.fileName(forKey: $0["key"]?.stringValue ?? "") }
            + ["cohorts.json", "definitions.json", "group_type_mapping.json"]).sorted()
        #expect(flagSnapshotFiles(directory.path) == expectedFiles)
        #expect(changes.written.sorted() == expectedFiles)
        #expect(changes.removed.isEmpty)
        #expect(changes.unchanged == 0)
        #expect(changes.changed)

        #expect(bytes(directory.file("definitions.json")) == raw, "definitions.json is byte-identical to the response")
        for flag in flags {
            let key = try #require(flag["key"]?.stringValue)
            let file = try #require(bytes(directory.file("flags/" + FlagSnapshot.fileName(forKey: key))))
            #expect(try JSONParser.parse(file) == flag, "\(key) round-trips")
            #expect(file == JSONWriter.pretty(flag))
            let text = String(decoding: file, as: UTF8.self)
            #expect(text.hasSuffix("}\n") && !text.hasSuffix("\n\n"), "\(key): one final newline")
            #expect(text.contains("\n  \"key\": \"\(key)\""), "\(key): indented two spaces")
            let keys = topLevelKeys(text)
            #expect(keys == keys.sorted() && keys.count == flag.objectValue?.count, "\(key): sorted keys \(keys)")
        }
        let cohorts = try #require(bytes(directory.file("cohorts.json")))
        #expect(try JSONParser.parse(cohorts) == definitions["cohorts"])
        #expect(cohorts == JSONWriter.pretty(try #require(definitions["cohorts"])))
        let mapping = try #require(bytes(directory.file("group_type_mapping.json")))
        #expect(String(decoding: mapping, as: UTF8.self) == "{\n  \"0\": \"company\",\n  \"1\": \"project\",\n  \"2\": \"instance\"\n}\n")
    }

    @Test("A second write of the same input changes nothing and rewrites no file (same inodes, same mtimes)")
    func idempotent() throws {
        let directory = try TemporaryDirectory(prefix: "flag-snapshot")
        defer { directory.remove() }
        let raw = try FlagVectors.definitionsBytes()
        let definitions = try JSONParser.parse(raw)
        let first = try FlagSnapshot(directory: directory.path).write(definitions: definitions, raw: raw)
        let past = Date(timeIntervalSince1970: 1_000_000_000)
        for file in flagSnapshotFiles(directory.path) {
            try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: directory.file(file))
        }
        let before = try inodes(directory.path)
        let second = try FlagSnapshot(directory: directory.path).write(definitions: definitions, raw: raw)
        #expect(second.written.isEmpty)
        #expect(second.removed.isEmpty)
        #expect(!second.changed)
        #expect(second.unchanged == first.written.count)
        #expect(try inodes(directory.path) == before)
        for file in flagSnapshotFiles(directory.path) {
            let modified = try FileManager.default.attributesOfItem(atPath: directory.file(file))[.modificationDate] as? Date
            #expect(modified == past, "\(file) was touched")
        }
    }

    @Test("A changed flag rewrites only its own file and definitions.json")
    func changedFlag() throws {
        let directory = try TemporaryDirectory(prefix: "flag-snapshot")
        defer { directory.remove() }
        let v1 = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a"), FlagJSON.flag(id: 2, key: "b"), FlagJSON.flag(id: 3, key: "c")])
        let v2 = FlagJSON.definitions([
            FlagJSON.flag(id: 1, key: "a"), FlagJSON.flag(id: 2, key: "b", version: 2, active: false), FlagJSON.flag(id: 3, key: "c"),
        ])
        try write(v1, to: directory.path)
        let before = try inodes(directory.path)
        let changes = try write(v2, to: directory.path)
        #expect(changes.written.sorted() == ["definitions.json", "flags/b.json"])
        #expect(changes.removed.isEmpty)
        #expect(changes.unchanged == 4)
        let after = try inodes(directory.path)
        for file in ["flags/a.json", "flags/c.json", "cohorts.json", "group_type_mapping.json"] {
            #expect(after[file] == before[file], "\(file) rewritten")
        }
        #expect(after["flags/b.json"] != before["flags/b.json"])
        #expect(try JSONParser.parse(try #require(bytes(directory.file("flags/b.json"))))["active"] == false)
    }

    @Test("A flag removed upstream loses its file; files that are not flag JSON are left alone")
    func removedFlag() throws {
        let directory = try TemporaryDirectory(prefix: "flag-snapshot")
        defer { directory.remove() }
        try write(FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a"), FlagJSON.flag(id: 2, key: "gone")]), to: directory.path)
        try directory.write("flags/README.md", "notes")
        let changes = try write(FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")]), to: directory.path)
        #expect(changes.removed == ["flags/gone.json"])
        #expect(changes.written == ["definitions.json"])
        #expect(changes.changed)
        #expect(flagSnapshotFiles(directory.path) == ["cohorts.json", "definitions.json", "flags/README.md", "flags/a.json", "group_type_mapping.json"])
    }

    @Test("Odd keys get safe, distinct file names that round-trip")
    func oddKeys() throws {
        let keys = [
            "a/b", "a%2Fb", "..", ".hidden", "ключ", "with space", "UPPER", "tab\there", "new\nline", "semi;colon", "back\\slash", "x.json",
            "emoji-🚀", "-dash", "~tilde", "*",
        ]
        for key in keys {
            let name = FlagSnapshot.fileName(forKey: key)
            #expect(!name.contains("/") && !name.hasPrefix(".") && name.hasSuffix(".json"), "\(key) → \(name)")
            #expect(name.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0 != "\\" }, "\(key) → \(name)")
        }
        #expect(Set(keys.map(FlagSnapshot.fileName(forKey:))).count == keys.count, "names are distinct")
        #expect(FlagSnapshot.fileName(forKey: "new-dashboard_v2.1") == "new-dashboard_v2.1.json", "safe keys are kept as they are")

        let directory = try TemporaryDirectory(prefix: "flag-snapshot")
        defer { directory.remove() }
        let flags = keys.enumerated().map { FlagJSON.flag(id: $0.offset + 1, key: $0.element) }
        try write(FlagJSON.definitions(flags), to: directory.path)
        let files = flagSnapshotFiles(directory.path).filter { $0.hasPrefix("flags/") }
        #expect(files.count == keys.count)
        for (key, flag) in zip(keys, flags) {
            let file = try #require(bytes(directory.file("flags/" + FlagSnapshot.fileName(forKey: key))), "\(key)")
            #expect(try JSONParser.parse(file) == flag)
        }
    }

    @Test("Keys whose bytes are below 0x10 get distinct file names (percent escapes are two hex digits)")
    func controlCharacterKeys() throws {
        // "\u{1}0" and "\u{10}" both become "%10" when escapes are not zero-padded.
        let a = FlagSnapshot.fileName(forKey: "\u{1}0")
        let b = FlagSnapshot.fileName(forKey: "\u{10}")
        do {
            #expect(a != b, "\(a) vs \(b)")
            #expect(FlagSnapshot.fileName(forKey: "tab\there") == "tab%09here.json")
        }
    }

    @Test("readDefinitions returns what was written; a missing or unreadable snapshot is a clear error")
    func readDefinitions() throws {
        let directory = try TemporaryDirectory(prefix: "flag-snapshot")
        defer { directory.remove() }
        let snapshot = FlagSnapshot(directory: directory.path + "/snap")
        do {
            _ = try snapshot.readDefinitions()
            Issue.record("a missing snapshot was read")
        } catch let error as FlagSnapshot.SnapshotError {
            #expect(error.description.contains(directory.path + "/snap/definitions.json"))
            #expect(error.description.contains("hogport flags snapshot"))
        }
        let definitions = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")])
        _ = try snapshot.write(definitions: definitions, raw: JSONWriter.encode(definitions))
        #expect(try snapshot.readDefinitions() == definitions)
        try directory.write("snap/definitions.json", "{ not json")
        let error = #expect(throws: FlagSnapshot.SnapshotError.self) { try snapshot.readDefinitions() }
        #expect(error?.description.contains(directory.path + "/snap/definitions.json") == true)
    }

    @Test("Definitions without a flags list are refused and nothing is written")
    func noFlags() throws {
        let directory = try TemporaryDirectory(prefix: "flag-snapshot")
        defer { directory.remove() }
        #expect(throws: FlagSnapshot.SnapshotError.self) {
            try FlagSnapshot(directory: directory.path).write(definitions: ["cohorts": [:]], raw: Array("{\"cohorts\":{}}".utf8))
        }
        #expect(flagSnapshotFiles(directory.path).isEmpty)
    }

    @Test("Missing cohorts and group types are written as {}; no temporary files are left behind")
    func defaultsAndNoTemporaries() throws {
        let directory = try TemporaryDirectory(prefix: "flag-snapshot")
        defer { directory.remove() }
        let definitions: JSONValue = ["flags": [FlagJSON.flag(id: 1, key: "a")]]
        try write(definitions, to: directory.path)
        try write(definitions, to: directory.path)
        #expect(bytes(directory.file("cohorts.json")) == Array("{}\n".utf8))
        #expect(bytes(directory.file("group_type_mapping.json")) == Array("{}\n".utf8))
        #expect(flagSnapshotFiles(directory.path) == ["cohorts.json", "definitions.json", "flags/a.json", "group_type_mapping.json"])
    }
}
