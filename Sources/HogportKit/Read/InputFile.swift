public import PostHogKit

/// Opens input for reading: a path or `-` (standard input), gzip detected by its magic bytes
/// (never by the file name).
public enum InputFile {
    /// A source over `path`, decompressing when the content is gzip.
    public static func open(_ path: String) throws(InputError) -> any ByteSource {
        let file = try FileByteSource(path: path)
        var sniff = SniffingSource(base: file)
        let isGzip = try sniff.peekIsGzip()
        if isGzip { return try GzipByteSource(base: sniff, name: file.name) }
        return sniff
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
