import Foundation
import PostHogKit
import PostHogCore

/// What identifies an input file across runs: its path, size, modification time and a hash of its
/// first 64 KiB. A file whose head changed, or that shrank, is a different file.
public struct FileIdentity: Sendable, Equatable {
    public var path: String
    public var size: Int64
    public var modified: Int64
    public var headHash: String

    /// Reads the identity of `path`; standard input (`-`) has none worth checking.
    public static func of(_ path: String) throws(InputError) -> FileIdentity {
        if path == "-" { return FileIdentity(path: "-", size: 0, modified: 0, headHash: "") }
        if let (archive, name) = InputFile.zipEntry(path) { return try zipEntry(path, archive: archive, entry: name) }
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw InputError(file: path, offset: 0, reason: "cannot read: \(error.localizedDescription)")
        }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        let modified = Int64(((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0) * 1000)
        return FileIdentity(path: path, size: size, modified: modified, headHash: try headHash(of: path, bytes: headBytes))
    }

    /// A zip entry's identity: its uncompressed size, its time, and a hash of its name, size and
    /// CRC-32 (which covers the whole entry, so no bytes need reading).
    static func zipEntry(_ path: String, archive: String, entry name: String) throws(InputError) -> FileIdentity {
        let zip = try ZipArchive.cached(path: archive)
        guard let entry = zip.entry(named: name) else {
            throw InputError(file: path, offset: 0, reason: "no entry '\(name)' in the zip archive \(archive)")
        }
        let digest = SHA1.hash(Array("zip-entry\u{0}\(entry.name)\u{0}\(entry.size)\u{0}\(entry.crc32)".utf8))
        return FileIdentity(path: path, size: entry.size, modified: entry.modified, headHash: SHA1.hex(digest))
    }

    /// How many leading bytes the head hash covers.
    public static let headBytes = 64 * 1024

    /// The SHA-1 (hex) of the first `bytes` bytes of `path` (fewer if the file is shorter).
    static func headHash(of path: String, bytes: Int) throws(InputError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(file: path, offset: 0, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: bytes)) ?? Data()
        return SHA1.hex(SHA1.hash(Array(head)))
    }

    /// How `self` (now) relates to `recorded` (an earlier run's identity of the same path).
    ///
    /// A file shorter than 64 KiB when recorded has grown (not been replaced) when its first
    /// `recorded.size` bytes are unchanged, which needs one more read of the file.
    public func compared(to recorded: FileIdentity) -> Change {
        if path == "-" { return .same }
        if size < recorded.size { return .replaced }
        if headHash == recorded.headHash { return size > recorded.size ? .grown : .same }
        if size > recorded.size && recorded.size < Self.headBytes,
            let prefix = try? Self.headHash(of: path, bytes: Int(recorded.size)), prefix == recorded.headHash
        {
            return .grown
        }
        return .replaced
    }

    public enum Change: Sendable, Equatable {
        case same
        /// Same head, more bytes: appended to since (the import continues from its offset).
        case grown
        /// Different content: resuming would skip or repeat the wrong rows.
        case replaced
    }
}
