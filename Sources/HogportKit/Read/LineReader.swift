/// Splits a byte source into lines, tracking each line's number and byte offset (in the
/// decompressed stream), with bounded memory: one chunk plus the longest line.
///
/// A UTF-8 byte-order mark at the start is skipped; `\r\n` and `\n` both end a line; a last line
/// without a newline is still a line.
public struct LineReader {
    private var window: ByteWindow
    /// The 1-based number of the line last returned.
    public private(set) var lineNumber = 0
    /// The longest line accepted; a longer one is an error rather than unbounded memory.
    public var maximumLineBytes = 64 * 1024 * 1024
    public let name: String

    /// One line, valid until the next call.
    public struct Line {
        /// The line's bytes without its terminator.
        public var bytes: ArraySlice<UInt8>
        /// 1-based.
        public var number: Int
        /// Offset of the line's first byte.
        public var offset: Int64
        /// Offset just past the line's terminator: where the next line starts.
        public var endOffset: Int64
        /// False for a last line with no newline (perhaps still being written).
        public var terminated = true
    }

    public init(source: any ByteSource, name: String) {
        window = ByteWindow(source: source, name: name)
        self.name = name
    }

    /// Bytes of the underlying file read so far (compressed bytes for gzip), for progress.
    public var rawOffset: Int64 { window.source.rawOffset }

    /// The next line, or nil at the end.
    public mutating func next() throws(InputError) -> Line? {
        while true {
            if let newline = window.buffer[window.position...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > window.position && window.buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = Line(
                    bytes: window.buffer[window.position..<end], number: lineNumber + 1, offset: window.bufferOffset + Int64(window.position),
                    endOffset: window.bufferOffset + Int64(newline + 1))
                window.position = newline + 1
                lineNumber += 1
                return line
            }
            if window.atEnd {
                guard window.position < window.buffer.count else { return nil }
                var end = window.buffer.count
                if window.buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                var line = Line(
                    bytes: window.buffer[window.position..<end], number: lineNumber + 1, offset: window.bufferOffset + Int64(window.position),
                    endOffset: window.bufferOffset + Int64(window.buffer.count))
                line.terminated = false
                window.position = window.buffer.count
                lineNumber += 1
                return line
            }
            try window.fill(limit: maximumLineBytes, what: "a line")
        }
    }

    /// Skips whole lines until `offset` (a line start recorded by a checkpoint), counting them,
    /// so a resumed read continues where the last one stopped.
    public mutating func skip(toOffset offset: Int64, lineNumber targetLine: Int) throws(InputError) {
        while window.bufferOffset + Int64(window.position) < offset {
            guard let line = try next() else {
                throw InputError(file: name, offset: offset, reason: "the file is shorter than its checkpoint says (it changed since?)")
            }
            if line.endOffset > offset {
                throw InputError(file: name, offset: offset, reason: "the checkpoint offset is not at a line start (the file changed since?)")
            }
        }
        lineNumber = targetLine
    }

}
