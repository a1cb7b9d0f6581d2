#if canImport(Glibc)
    import Foundation
    import Glibc
#endif
import PostHogKit
import PostHogCore
import Synchronization

/// A zip file's table of contents, read from its central directory, and its entries as byte
/// sources. Entries stored (method 0) or deflated (method 8) are read; zip64, encrypted entries
/// and other methods are refused with a message that says to unzip the archive first.
///
/// An entry is named on the command line and in checkpoints as `ARCHIVE.zip!/entry/name`.
public struct ZipArchive: Sendable {
    /// One member of the archive, as its central directory describes it.
    public struct Entry: Sendable, Equatable {
        public var name: String
        /// 0 stored, 8 deflated.
        public var method: UInt16
        public var flags: UInt16
        public var crc32: UInt32
        public var compressedSize: Int64
        /// The entry's uncompressed size.
        public var size: Int64
        public var localHeaderOffset: Int64
        /// The modification time in milliseconds since 1970 (the zip's local time read as UTC; 0 if unset).
        public var modified: Int64

        public var isDirectory: Bool { name.hasSuffix("/") }
    }

    public let path: String
    /// Every entry, in central-directory order.
    public let entries: [Entry]

    /// The separator between an archive's path and an entry's name in a virtual path.
    public static let separator = "!/"

    /// The offset in `tail` (the file's last bytes) of the end-of-central-directory record.
    static func endRecord(in tail: [UInt8], exact: Bool) -> Int? {
        stride(from: tail.count - 22, through: 0, by: -1).first { at in
            guard tail.u32(at) == 0x0605_4b50 else { return false }
            let end = at + 22 + Int(tail.u16(at + 20))
            return exact ? end == tail.count : end <= tail.count
        }
    }

    /// Reads the central directory of the zip file at `path`.
    public init(path: String) throws(InputError) {
        self.path = path
        let file = try ZipFile(path: path)
        let size = try file.size()
        let tailLength = Int(min(size, 22 + 65_535))
        let tail = try file.read(at: size - Int64(tailLength), count: tailLength)
        guard tailLength >= 22,
            // The record whose comment ends the file; a signature inside a comment is not the record.
            // Failing that (bytes padded after the archive), the last signature whose comment fits.
            let eocd = Self.endRecord(in: tail, exact: true) ?? Self.endRecord(in: tail, exact: false)
        else {
            throw InputError(file: path, offset: 0, reason: "not a zip file (no end of central directory record)")
        }
        let count = Int(tail.u16(eocd + 10))
        let directorySize = Int64(tail.u32(eocd + 12))
        let directoryOffset = Int64(tail.u32(eocd + 16))
        let zip64Locator = eocd >= 20 && tail.u32(eocd - 20) == 0x0706_4b50
        if zip64Locator || count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw InputError(file: path, offset: 0, reason: "zip64 archives are not supported; unzip it and import the extracted files")
        }
        guard directoryOffset + directorySize <= size else {
            throw InputError(file: path, offset: directoryOffset, reason: "the zip's central directory lies outside the file (truncated download?)")
        }
        let directory = try file.read(at: directoryOffset, count: Int(directorySize))
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var at = 0
        for _ in 0..<count {
            guard at + 46 <= directory.count, directory.u32(at) == 0x0201_4b50 else {
                throw InputError(file: path, offset: directoryOffset + Int64(at), reason: "corrupt zip central directory")
            }
            let nameLength = Int(directory.u16(at + 28))
            let extraLength = Int(directory.u16(at + 30))
            let commentLength = Int(directory.u16(at + 32))
            guard at + 46 + nameLength <= directory.count else {
                throw InputError(file: path, offset: directoryOffset + Int64(at), reason: "corrupt zip central directory")
            }
            let compressed = Int64(directory.u32(at + 20))
            let uncompressed = Int64(directory.u32(at + 24))
            let local = Int64(directory.u32(at + 42))
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
                throw InputError(file: path, offset: 0, reason: "zip64 entries are not supported; unzip the archive and import the extracted files")
            }
            entries.append(
                Entry(
                    name: String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self),
                    method: directory.u16(at + 10), flags: directory.u16(at + 8), crc32: directory.u32(at + 16),
                    compressedSize: compressed, size: uncompressed, localHeaderOffset: local,
                    modified: Self.dosTime(date: directory.u16(at + 14), time: directory.u16(at + 12))))
            at += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// The entry named `name`.
    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The files of the archive (directories left out), sorted by name.
    public var fileEntries: [Entry] {
        // Numbers compare as numbers: Amplitude names hours without a leading zero
        // (`…_2#0.json.gz` before `…_10#0.json.gz`), and PostHog applies `$set` in arrival order.
        entries.filter { !$0.isDirectory }.sorted { $0.name.compare($1.name, options: .numeric) == .orderedAscending }
    }

    /// A source of `entry`'s uncompressed bytes.
    public func open(_ entry: Entry) throws(InputError) -> ZipEntrySource {
        let display = Self.entryPath(archive: path, entry: entry.name)
        if entry.flags & 1 != 0 {
            throw InputError(file: display, offset: 0, reason: "the zip entry is encrypted; decrypt or unzip the archive first")
        }
        guard entry.method == 0 || entry.method == 8 else {
            throw InputError(
                file: display, offset: 0,
                reason: "zip compression method \(entry.method) is not supported (only stored and deflate); unzip the archive and import the extracted files")
        }
        let file = try ZipFile(path: path)
        let header = try file.read(at: entry.localHeaderOffset, count: 30)
        guard header.count == 30, header.u32(0) == 0x0403_4b50 else {
            throw InputError(file: display, offset: 0, reason: "corrupt zip: no local header at offset \(entry.localHeaderOffset)")
        }
        let dataOffset = entry.localHeaderOffset + 30 + Int64(header.u16(26)) + Int64(header.u16(28))
        return try ZipEntrySource(file: file, entry: entry, dataOffset: dataOffset, name: display)
    }

    /// `archive!/entry`: how an entry is named in inputs and checkpoints.
    public static func entryPath(archive: String, entry: String) -> String {
        archive + separator + entry
    }

    /// The archive and entry of a virtual path such as `export.zip!/123/123_2024-07-06_0#0.json.gz`.
    public static func split(_ path: String) -> (archive: String, entry: String)? {
        var searchFrom = path.startIndex
        while let bang = path[searchFrom...].firstIndex(of: "!") {
            let archive = path[..<bang]
            let after = path.index(after: bang)
            if after < path.endIndex, path[after] == "/", isArchiveName(String(archive)) {
                let entry = path[path.index(after: after)...]
                return entry.isEmpty ? nil : (String(archive), String(entry))
            }
            searchFrom = after
        }
        return nil
    }

    /// Whether `path` names a zip archive (by its extension).
    public static func isArchiveName(_ path: String) -> Bool {
        path.lowercased().hasSuffix(".zip")
    }

    private static let lastRead = Mutex<(key: String, archive: ZipArchive)?>(nil)

    /// The archive at `path`, reusing the last one read while the file is unchanged (every entry
    /// of a large export would otherwise read the central directory again).
    public static func cached(path: String) throws(InputError) -> ZipArchive {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw InputError(file: path, offset: 0, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        let key = "\(path)\u{0}\(info.st_size)\u{0}\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        if let hit = lastRead.withLock({ $0?.key == key ? $0?.archive : nil }) { return hit }
        let archive = try ZipArchive(path: path)
        lastRead.withLock { $0 = (key, archive) }
        return archive
    }

    static func dosTime(date: UInt16, time: UInt16) -> Int64 {
        guard date != 0 else { return 0 }
        let stamp = Timestamp(
            year: 1980 + Int(date >> 9), month: Int((date >> 5) & 0xF), day: Int(date & 0x1F),
            hour: Int(time >> 11), minute: Int((time >> 5) & 0x3F), second: min(59, Int(time & 0x1F) * 2))
        return (stamp?.microseconds ?? 0) / 1000
    }
}

/// Reads a zip entry's bytes, inflating deflated entries and checking the CRC-32 at the end.
///
/// `rawOffset` counts uncompressed entry bytes, so progress matches the entry's identity size.
public final class ZipEntrySource: ByteSource {
    private let file: ZipFile
    private let entry: ZipArchive.Entry
    private let name: String
    private var position: Int64
    private var remaining: Int64
    private let inflater: RawInflater?
    private var crc: UInt32 = 0
    private var delivered: Int64 = 0
    private var checked = false

    init(file: ZipFile, entry: ZipArchive.Entry, dataOffset: Int64, name: String) throws(InputError) {
        self.file = file
        self.entry = entry
        self.name = name
        position = dataOffset
        remaining = entry.compressedSize
        if entry.method == 8 {
            do {
                inflater = try RawInflater()
            } catch {
                throw InputError(file: name, offset: 0, reason: error.message)
            }
        } else {
            inflater = nil
        }
    }

    public var rawOffset: Int64 { delivered }

    public func read(into buffer: inout [UInt8], count: Int) throws(InputError) -> Int {
        while remaining > 0 {
            let want = Int(min(remaining, Int64(inflater == nil ? max(1, count) : 64 * 1024)))
            let bytes = try file.read(at: position, count: want)
            guard !bytes.isEmpty else {
                throw InputError(file: name, offset: delivered, reason: "the zip archive ends inside this entry (truncated download?)")
            }
            position += Int64(bytes.count)
            remaining -= Int64(bytes.count)
            let before = buffer.count
            if let inflater {
                do {
                    try inflater.decompress(bytes[...], into: &buffer)
                } catch {
                    throw InputError(file: name, offset: delivered, reason: "corrupt deflate data in the zip entry: \(error.message)")
                }
            } else {
                buffer.append(contentsOf: bytes)
            }
            let got = buffer.count - before
            if got > 0 {
                crc = CRC32.update(crc, buffer[before...])
                delivered += Int64(got)
                return got
            }
        }
        if !checked {
            checked = true
            if let inflater, !inflater.isFinished {
                throw InputError(file: name, offset: delivered, reason: "truncated deflate data in the zip entry")
            }
            guard delivered == entry.size, crc == entry.crc32 else {
                throw InputError(file: name, offset: delivered, reason: "the zip entry is corrupt (size or CRC-32 does not match the archive's directory)")
            }
        }
        return 0
    }
}

/// An open zip file read at explicit offsets.
final class ZipFile: @unchecked Sendable {
    private let fd: Int32
    let path: String

    init(path: String) throws(InputError) {
        let opened = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else {
            throw InputError(file: path, offset: 0, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        fd = opened
        self.path = path
    }

    deinit { close(fd) }

    func size() throws(InputError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw InputError(file: path, offset: 0, reason: "cannot stat: \(String(cString: strerror(errno)))")
        }
        return Int64(info.st_size)
    }

    /// Up to `count` bytes at `offset` (fewer only at the end of the file).
    func read(at offset: Int64, count: Int) throws(InputError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: max(0, count))
        var filled = 0
        while filled < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(file: path, offset: offset, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            filled += n
        }
        out.removeLast(count - filled)
        return out
    }
}

extension [UInt8] {
    func u16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
}
