/// A sliding window over a byte source, shared by the line and CSV readers: the bytes read but not
/// yet consumed, where they sit in the (decoded) stream, and whether the source is exhausted.
/// Memory stays bounded: consumed bytes are dropped before each read.
struct ByteWindow {
    var source: any ByteSource
    /// Bytes read; `buffer[position...]` are not yet consumed.
    var buffer: [UInt8] = []
    var position = 0
    /// Stream offset of `buffer[0]`.
    var bufferOffset: Int64 = 0
    /// The source has no more bytes.
    var atEnd = false
    private var started = false
    let name: String

    init(source: any ByteSource, name: String) {
        self.source = source
        self.name = name
    }

    /// Stream offset of `buffer[index]`.
    func offset(_ index: Int) -> Int64 { bufferOffset + Int64(index) }

    /// Drops consumed bytes and reads more; skips a UTF-8 byte-order mark at the start.
    /// - Parameters:
    ///   - limit: the most unconsumed bytes allowed (one line or record); more is an error.
    ///   - what: what is too long, for that error.
    mutating func fill(limit: Int, what: String) throws(InputError) {
        if position > 0 {
            bufferOffset += Int64(position)
            buffer.removeFirst(position)
            position = 0
        }
        if buffer.count > limit {
            throw InputError(file: name, offset: bufferOffset, reason: "\(what) is longer than \(limit) bytes")
        }
        let n = try source.read(into: &buffer, count: 256 * 1024)
        if n == 0 { atEnd = true }
        // The byte-order mark check waits for three bytes (a source may hand over fewer).
        if !started && (buffer.count >= 3 || atEnd) {
            started = true
            if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
                position = 3
            }
        }
    }
}
