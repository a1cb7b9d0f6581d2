/// Reads RFC 4180 CSV records from a byte source: quoted fields, `""` inside quotes, newlines
/// inside quotes, `\r\n` or `\n` record ends, a UTF-8 byte-order mark. Memory is bounded by one
/// chunk plus the longest record.
public struct CSVReader {
    private var source: any ByteSource
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var started = false
    private var bufferOffset: Int64 = 0
    private var line = 1
    private var scratch: [UInt8] = []
    public let name: String
    public var maximumRecordBytes = 64 * 1024 * 1024
    public var delimiter = UInt8(ascii: ",")

    /// One record.
    public struct Record {
        public var fields: [String]
        /// The physical line the record starts on (1-based).
        public var line: Int
        /// Byte offset of the record's start.
        public var offset: Int64
        /// Byte offset just past the record: where the next one starts.
        public var endOffset: Int64
        /// The record's raw bytes (for rejects files).
        public var raw: ArraySlice<UInt8>
    }

    /// A malformed record: where it starts and what is wrong. Reading can go on after it.
    public struct RecordError: Error {
        public var line: Int
        public var offset: Int64
        public var reason: String
        public var raw: ArraySlice<UInt8>
        /// Byte offset where reading resumes after the bad record.
        public var endOffset: Int64 = 0
    }

    public init(source: any ByteSource, name: String) {
        self.source = source
        self.name = name
    }

    public var rawOffset: Int64 { source.rawOffset }

    /// The next record; nil at the end. A malformed record comes back as `.failure`, and the
    /// reader resumes at the next line.
    public mutating func next() throws(InputError) -> Result<Record, RecordError>? {
        while true {
            if position >= buffer.count && atEnd { return nil }
            if let result = parseRecord(final: atEnd) { return result }
            try fill()
        }
    }

    /// Skips to `offset` (a record start recorded by a checkpoint).
    public mutating func skip(toOffset offset: Int64, line targetLine: Int) throws(InputError) {
        while bufferOffset + Int64(position) < offset {
            guard let result = try next() else {
                throw InputError(file: name, offset: offset, reason: "the file is shorter than its checkpoint says (it changed since?)")
            }
            let end: Int64
            switch result {
            case .success(let r): end = r.endOffset
            case .failure(let e): end = e.endOffset
            }
            if end > offset {
                throw InputError(file: name, offset: offset, reason: "the checkpoint offset is not at a record start (the file changed since?)")
            }
        }
        line = targetLine
    }

    private mutating func fill() throws(InputError) {
        if position > 0 {
            bufferOffset += Int64(position)
            buffer.removeFirst(position)
            position = 0
        }
        if buffer.count > maximumRecordBytes {
            throw InputError(file: name, offset: bufferOffset, reason: "a record is longer than \(maximumRecordBytes) bytes (an unclosed quote?)")
        }
        let n = try source.read(into: &buffer, count: 256 * 1024)
        if !started {
            started = true
            if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
                position = 3
            }
        }
        if n == 0 { atEnd = true }
    }

    /// Parses one record starting at `position`; nil when the buffer ends first and more input
    /// may follow.
    private mutating func parseRecord(final: Bool) -> Result<Record, RecordError>? {
        let quote = UInt8(ascii: "\"")
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        var fields: [String] = []
        var i = position
        let start = position
        var lines = 0
        let count = buffer.count
        func finish(_ end: Int, next: Int) -> Result<Record, RecordError> {
            let record = Record(
                fields: fields, line: line, offset: bufferOffset + Int64(start), endOffset: bufferOffset + Int64(next),
                raw: buffer[start..<end])
            line += lines + 1
            position = next
            return .success(record)
        }
        while true {
            // One field.
            if i < count && buffer[i] == quote {
                scratch.removeAll(keepingCapacity: true)
                i += 1
                var closed = false
                while i < count {
                    let b = buffer[i]
                    if b == quote {
                        if i + 1 < count {
                            if buffer[i + 1] == quote {
                                scratch.append(quote)
                                i += 2
                                continue
                            }
                            closed = true
                            i += 1
                            break
                        } else if final {
                            closed = true
                            i += 1
                            break
                        } else {
                            return nil
                        }
                    }
                    if b == lf { lines += 1 }
                    scratch.append(b)
                    i += 1
                }
                if !closed {
                    if !final { return nil }
                    let raw = buffer[start..<count]
                    var error = RecordError(line: line, offset: bufferOffset + Int64(start), reason: "unterminated quoted field", raw: raw)
                    line += lines + 1
                    position = count
                    error.endOffset = bufferOffset + Int64(count)
                    return .failure(error)
                }
                fields.append(String(decoding: scratch, as: UTF8.self))
                // After a closing quote: a delimiter, a record end, or the end of input.
                if i >= count {
                    if !final { return nil }
                    return finish(i, next: i)
                }
                let b = buffer[i]
                if b == delimiter {
                    i += 1
                    continue
                }
                if b == lf { return finish(i, next: i + 1) }
                if b == cr {
                    if i + 1 < count {
                        if buffer[i + 1] == lf { return finish(i, next: i + 2) }
                    } else if !final {
                        return nil
                    }
                    return finish(i, next: i + 1)
                }
                // Junk after a closing quote: report the record and resume at the next line.
                guard let newline = buffer[i...].firstIndex(of: lf) else {
                    if !final { return nil }
                    var error = RecordError(line: line, offset: bufferOffset + Int64(start), reason: "unexpected character after a closing quote", raw: buffer[start..<count])
                    position = count
                    error.endOffset = bufferOffset + Int64(count)
                    return .failure(error)
                }
                var error = RecordError(
                    line: line, offset: bufferOffset + Int64(start), reason: "unexpected character after a closing quote (column \(fields.count))",
                    raw: buffer[start..<newline])
                line += lines + 1
                position = newline + 1
                error.endOffset = bufferOffset + Int64(newline + 1)
                return .failure(error)
            }
            // An unquoted field: up to a delimiter or a record end.
            let fieldStart = i
            while i < count {
                let b = buffer[i]
                if b == delimiter || b == lf || b == cr { break }
                i += 1
            }
            if i >= count && !final { return nil }
            fields.append(String(decoding: buffer[fieldStart..<i], as: UTF8.self))
            if i >= count { return finish(i, next: i) }
            let b = buffer[i]
            if b == delimiter {
                i += 1
                if i >= count && final {
                    fields.append("")
                    return finish(i, next: i)
                }
                continue
            }
            if b == lf { return finish(i, next: i + 1) }
            // b == cr
            if i + 1 < count {
                return buffer[i + 1] == lf ? finish(i, next: i + 2) : finish(i, next: i + 1)
            }
            if !final { return nil }
            return finish(i, next: i + 1)
        }
    }
}
