#if canImport(Glibc)
    import Glibc
#endif
import PostHogKit
import PostHogCore

/// Opens input for reading: a path or `-` (standard input), gzip detected by its magic bytes
/// (never by the file name).
public enum InputFile {
    /// A source over `path`, decompressing when the content is gzip. A path of the form
    /// `ARCHIVE.zip!/entry` (see ``ZipArchive``) reads that entry of the archive.
    public static func open(_ path: String) throws(InputError) -> any ByteSource {
        if let (archive, entryName) = zipEntry(path) {
            let zip = try ZipArchive.cached(path: archive)
            guard let entry = zip.entry(named: entryName) else {
                throw InputError(file: path, offset: 0, reason: "no entry '\(entryName)' in the zip archive \(archive)")
            }
            var sniff = SniffingSource(base: try zip.open(entry))
            if try sniff.peekIsGzip() { return try GzipByteSource(base: sniff, name: path) }
            return sniff
        }
        let file = try FileByteSource(path: path)
        var sniff = SniffingSource(base: file)
        let isGzip = try sniff.peekIsGzip()
        if isGzip { return try GzipByteSource(base: sniff, name: file.name) }
        return sniff
    }

    /// The archive and entry when `path` names a zip entry (and is not itself an existing file).
    static func zipEntry(_ path: String) -> (archive: String, entry: String)? {
        guard path != "-", let split = ZipArchive.split(path) else { return nil }
        return access(path, F_OK) == 0 ? nil : split
    }
}

/// A source that can look at its first bytes before handing them on.
struct SniffingSource<Base: ByteSource>: ByteSource {
    var base: Base
    var head: [UInt8] = []
    var headConsumed = true

    init(base: Base) {
        self.base = base
    }

    var rawOffset: Int64 { base.rawOffset - Int64(headConsumed ? 0 : head.count) }

    mutating func peekIsGzip() throws(InputError) -> Bool {
        while head.count < 2 {
            let n = try base.read(into: &head, count: 64 * 1024)
            if n == 0 { break }
        }
        headConsumed = head.isEmpty
        return Gzip.hasMagic(head)
    }

    mutating func read(into buffer: inout [UInt8], count: Int) throws(InputError) -> Int {
        if !headConsumed {
            headConsumed = true
            buffer.append(contentsOf: head)
            let n = head.count
            head = []
            return n
        }
        return try base.read(into: &buffer, count: count)
    }
}
