public import PostHogCore
import PostHogKit
import Foundation

/// A directory of feature-flag definitions, laid out for version control:
///
/// ```
/// DIR/definitions.json          the /flags/definitions response as received
/// DIR/flags/<key>.json          one file per flag, pretty-printed with sorted keys
/// DIR/cohorts.json              cohort id -> property group
/// DIR/group_type_mapping.json   group type index -> group type name
/// ```
///
/// Files are written by atomic rename, and only when their content changes, so `git diff` on the
/// directory shows exactly what changed upstream. A flag deleted upstream loses its file.
public struct FlagSnapshot: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// What a write changed, as paths relative to the directory.
    public struct Changes: Sendable, Equatable {
        public var written: [String] = []
        public var removed: [String] = []
        public var unchanged = 0
        public var changed: Bool { !written.isEmpty || !removed.isEmpty }
    }

    /// Why a snapshot could not be read or written.
    public struct SnapshotError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Writes `definitions` (and `raw`, the response bytes) into the directory.
    public func write(definitions: JSONValue, raw: [UInt8]) throws -> Changes {
        guard let flags = definitions["flags"]?.arrayValue else {
            throw SnapshotError(description: "the definitions have no 'flags' list; nothing written")
        }
        let fm = FileManager.default
        let flagsDirectory = directory + "/flags"
        try fm.createDirectory(atPath: flagsDirectory, withIntermediateDirectories: true)
        var changes = Changes()
        var keep: Set<String> = []
        for flag in flags {
            guard let key = flag["key"]?.stringValue, !key.isEmpty else { continue }
            let name = Self.fileName(forKey: key)
            keep.insert(name)
            try update("flags/" + name, with: JSONWriter.pretty(flag), &changes)
        }
        try update("cohorts.json", with: JSONWriter.pretty(definitions["cohorts"] ?? .object([:])), &changes)
        try update("group_type_mapping.json", with: JSONWriter.pretty(definitions["group_type_mapping"] ?? .object([:])), &changes)
        try update("definitions.json", with: raw, &changes)
        for existing in (try? fm.contentsOfDirectory(atPath: flagsDirectory)) ?? [] where existing.hasSuffix(".json") && !keep.contains(existing) {
            try fm.removeItem(atPath: flagsDirectory + "/" + existing)
            changes.removed.append("flags/" + existing)
        }
        changes.removed.sort()
        return changes
    }

    /// Reads the definitions the snapshot holds.
    public func readDefinitions() throws -> JSONValue {
        let path = directory + "/definitions.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SnapshotError(description: "no snapshot at \(directory): \(path) is missing (run `hogport flags snapshot --out \(directory)`)")
        }
        do {
            return try JSONParser.parse(Array(data))
        } catch {
            throw SnapshotError(description: "\(path): \(error)")
        }
    }

    /// A file name for a flag key: the key itself when it is file-safe, else percent-encoded.
    public static func fileName(forKey key: String) -> String {
        var out = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".":
                out.unicodeScalars.append(scalar)
            default:
                for b in String(scalar).utf8 {
                    let hex = String(b, radix: 16, uppercase: true)
                    out += "%" + (hex.count == 1 ? "0" + hex : hex)
                }
            }
        }
        if out.hasPrefix(".") { out = "%2E" + out.dropFirst() }
        return out + ".json"
    }

    private func update(_ relative: String, with bytes: [UInt8], _ changes: inout Changes) throws {
        let path = directory + "/" + relative
        if let existing = FileManager.default.contents(atPath: path), Array(existing) == bytes {
            changes.unchanged += 1
            return
        }
        try AtomicFile.write(bytes, to: path)
        changes.written.append(relative)
    }
}
