/// Reads RFC 4180 CSV records from a byte source: quoted fields, `""` inside quotes, newlines
/// inside quotes, `\r\n` or `\n` record ends, a UTF-8 byte-order mark. Memory is bounded by one
/// chunk plus the longest record.
public struct CSVReader {
    private var window: ByteWindow
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
        /// The physical line the record ends on (after newlines inside quotes).
        public var endLine = 0
    }

    /// A malformed record: where it starts and what is wrong. Reading can go on after it.
    public struct RecordError: Error {
        public var line: Int
        public var offset: Int64
        public var reason: String
        public var raw: ArraySlice<UInt8>
        /// Byte offset where reading resumes after the bad record.
        public var endOffset: Int64 = 0
        /// The physical line the bad record ends on.
        public var endLine = 0
    }

    public init(source: any ByteSource, name: String) {
        window = ByteWindow(source: source, name: name)
        self.name = name
    }

    public var rawOffset: Int64 { window.source.rawOffset }

    /// The next record; nil at the end. A malformed record comes back as `.failure`, and the
    /// reader resumes at the next line.
    public mutating func next() throws(InputError) -> Result<Record, RecordError>? {
        while true {
            if window.position >= window.buffer.count && window.atEnd { return nil }
            if let result = parseRecord(final: window.atEnd) { return result }
            try window.fill(limit: maximumRecordBytes, what: "a record (an unclosed quote?)")
        }
    }

    /// Skips to `offset` (a record start recorded by a checkpoint).
    public mutating func skip(toOffset offset: Int64, line targetLine: Int) throws(InputError) {
        while window.bufferOffset + Int64(window.position) < offset {
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

    /// Parses one record starting at `window.position`; nil when the window.buffer ends first and more input
    /// may follow.
    private mutating func parseRecord(final: Bool) -> Result<Record, RecordError>? {
        let quote = UInt8(ascii: "\"")
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        var fields: [String] = []
        var i = window.position
        let start = window.position
        var lines = 0
        let count = window.buffer.count
        func finish(_ end: Int, next: Int) -> Result<Record, RecordError> {
            var record = Record(
                fields: fields, line: line, offset: window.bufferOffset + Int64(start), endOffset: window.bufferOffset + Int64(next),
                raw: window.buffer[start..<end])
            record.endLine = line + lines
            line += lines + 1
            window.position = next
            return .success(record)
        }
        while true {
            // One field.
            if i < count && window.buffer[i] == quote {
                scratch.removeAll(keepingCapacity: true)
                i += 1
                var closed = false
                while i < count {
                    let b = window.buffer[i]
                    if b == quote {
                        if i + 1 < count {
                            if window.buffer[i + 1] == quote {
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
                    // The quote never closes: only the record's first line is rejected, and reading
                    // goes on at the next line, so one stray quote does not take the rest of the file.
                    let lineEnd = window.buffer[start..<count].firstIndex(of: lf).map { $0 + 1 } ?? count
                    var rawEnd = lineEnd
                    if rawEnd > start && window.buffer[rawEnd - 1] == lf { rawEnd -= 1 }
                    if rawEnd > start && window.buffer[rawEnd - 1] == cr { rawEnd -= 1 }
                    var error = RecordError(
                        line: line, offset: window.bufferOffset + Int64(start),
                        reason: "unterminated quoted field (the line is rejected; reading goes on at the next line)",
                        raw: window.buffer[start..<rawEnd])
                    error.endLine = line
                    line += 1
                    window.position = lineEnd
                    error.endOffset = window.bufferOffset + Int64(lineEnd)
                    return .failure(error)
                }
                fields.append(String(decoding: scratch, as: UTF8.self))
                // After a closing quote: a delimiter, a record end, or the end of input.
                if i >= count {
                    if !final { return nil }
                    return finish(i, next: i)
                }
                let b = window.buffer[i]
                if b == delimiter {
                    i += 1
                    continue
                }
                if b == lf { return finish(i, next: i + 1) }
                if b == cr {
                    if i + 1 < count {
                        if window.buffer[i + 1] == lf { return finish(i, next: i + 2) }
                    } else if !final {
                        return nil
                    }
                    return finish(i, next: i + 1)
                }
                // Junk after a closing quote: report the record and resume at the next line.
                guard let newline = window.buffer[i...].firstIndex(of: lf) else {
                    if !final { return nil }
                    var error = RecordError(
                        line: line, offset: window.bufferOffset + Int64(start), reason: "unexpected character after a closing quote",
                        raw: window.buffer[start..<count])
                    error.endLine = line + lines
                    window.position = count
                    error.endOffset = window.bufferOffset + Int64(count)
                    return .failure(error)
                }
                var error = RecordError(
                    line: line, offset: window.bufferOffset + Int64(start), reason: "unexpected character after a closing quote (column \(fields.count))",
                    raw: window.buffer[start..<newline])
                error.endLine = line + lines
                line += lines + 1
                window.position = newline + 1
                error.endOffset = window.bufferOffset + Int64(newline + 1)
                return .failure(error)
            }
            // An unquoted field: up to a delimiter or a record end.
            let fieldStart = i
            while i < count {
                let b = window.buffer[i]
                if b == delimiter || b == lf || b == cr { break }
                i += 1
            }
            if i >= count && !final { return nil }
            fields.append(String(decoding: window.buffer[fieldStart..<i], as: UTF8.self))
            if i >= count { return finish(i, next: i) }
            let b = window.buffer[i]
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
                return window.buffer[i + 1] == lf ? finish(i, next: i + 2) : finish(i, next: i + 1)
            }
            if !final { return nil }
            return finish(i, next: i + 1)
        }
    }
}
