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

    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// Parses one record starting at `window.position`; nil when the buffer ends first and more
    /// input may follow.
    private mutating func parseRecord(final: Bool) -> Result<Record, RecordError>? {
        var fields: [String] = []
        var i = window.position
        let start = window.position
        var lines = 0
        let count = window.buffer.count
        while true {
            if i < count && window.buffer[i] == Self.quote {
                switch scanQuoted(from: i + 1, final: final, lines: &lines) {
                case .needMore: return nil
                case .unclosed: return .failure(rejectUnterminated(start: start))
                case .closed(let after): i = after
                }
                fields.append(String(decoding: scratch, as: UTF8.self))
                // After a closing quote: a delimiter, a record end, or the end of input.
                if i >= count { return final ? finish(fields, start: start, end: i, next: i, lines: lines) : nil }
                let b = window.buffer[i]
                if b == delimiter {
                    i += 1
                    continue
                }
                guard b == Self.lf || b == Self.cr else {
                    return rejectJunk(start: start, at: i, lines: lines, column: fields.count, final: final).map { .failure($0) }
                }
                guard let next = afterRecordEnd(i, final: final) else { return nil }
                return finish(fields, start: start, end: i, next: next, lines: lines)
            }
            // An unquoted field: up to a delimiter or a record end.
            let fieldStart = i
            while i < count {
                let b = window.buffer[i]
                if b == delimiter || b == Self.lf || b == Self.cr { break }
                i += 1
            }
            if i >= count && !final { return nil }
            fields.append(String(decoding: window.buffer[fieldStart..<i], as: UTF8.self))
            if i >= count { return finish(fields, start: start, end: i, next: i, lines: lines) }
            if window.buffer[i] == delimiter {
                i += 1
                if i >= count && final {
                    fields.append("")
                    return finish(fields, start: start, end: i, next: i, lines: lines)
                }
                continue
            }
            guard let next = afterRecordEnd(i, final: final) else { return nil }
            return finish(fields, start: start, end: i, next: next, lines: lines)
        }
    }

    private enum QuotedScan {
        /// The buffer ended first; more input may close the field.
        case needMore
        /// The input ended with the quote still open.
        case unclosed
        /// The field's content is in `scratch`; reading goes on at this index.
        case closed(Int)
    }

    /// Reads a quoted field's content from `from` (just past its opening quote) into `scratch`,
    /// `""` read as one quote, counting the newlines inside.
    private mutating func scanQuoted(from: Int, final: Bool, lines: inout Int) -> QuotedScan {
        scratch.removeAll(keepingCapacity: true)
        let count = window.buffer.count
        var i = from
        while i < count {
            let b = window.buffer[i]
            if b == Self.quote {
                if i + 1 < count {
                    guard window.buffer[i + 1] == Self.quote else { return .closed(i + 1) }
                    scratch.append(Self.quote)
                    i += 2
                    continue
                }
                return final ? .closed(i + 1) : .needMore
            }
            if b == Self.lf { lines += 1 }
            scratch.append(b)
            i += 1
        }
        return final ? .unclosed : .needMore
    }

    /// Where the next record starts after the record end (`\n`, `\r\n` or a lone `\r`) at `i`;
    /// nil when a `\r` ends the buffer and more input may follow.
    private func afterRecordEnd(_ i: Int, final: Bool) -> Int? {
        if window.buffer[i] == Self.lf { return i + 1 }
        if i + 1 < window.buffer.count { return window.buffer[i + 1] == Self.lf ? i + 2 : i + 1 }
        return final ? i + 1 : nil
    }

    /// The record of `fields` from `start` to `end` (its record end excluded); reading goes on at `next`.
    private mutating func finish(_ fields: [String], start: Int, end: Int, next: Int, lines: Int) -> Result<Record, RecordError> {
        var record = Record(
            fields: fields, line: line, offset: window.bufferOffset + Int64(start), endOffset: window.bufferOffset + Int64(next),
            raw: window.buffer[start..<end])
        record.endLine = line + lines
        line += lines + 1
        window.position = next
        return .success(record)
    }

    /// A quote that never closes: only the record's first line is rejected, and reading goes on
    /// at the next line, so one stray quote does not take the rest of the file.
    private mutating func rejectUnterminated(start: Int) -> RecordError {
        let count = window.buffer.count
        let lineEnd = window.buffer[start..<count].firstIndex(of: Self.lf).map { $0 + 1 } ?? count
        var rawEnd = lineEnd
        if rawEnd > start && window.buffer[rawEnd - 1] == Self.lf { rawEnd -= 1 }
        if rawEnd > start && window.buffer[rawEnd - 1] == Self.cr { rawEnd -= 1 }
        var error = RecordError(
            line: line, offset: window.bufferOffset + Int64(start),
            reason: "unterminated quoted field (the line is rejected; reading goes on at the next line)",
            raw: window.buffer[start..<rawEnd])
        error.endLine = line
        line += 1
        window.position = lineEnd
        error.endOffset = window.bufferOffset + Int64(lineEnd)
        return error
    }

    /// Junk after a closing quote (at `i`): the record is reported and reading resumes at the next
    /// line; nil when no line end is in the buffer yet and more input may follow.
    private mutating func rejectJunk(start: Int, at i: Int, lines: Int, column: Int, final: Bool) -> RecordError? {
        let count = window.buffer.count
        guard let newline = window.buffer[i...].firstIndex(of: Self.lf) else {
            if !final { return nil }
            var error = RecordError(
                line: line, offset: window.bufferOffset + Int64(start), reason: "unexpected character after a closing quote",
                raw: window.buffer[start..<count])
            error.endLine = line + lines
            window.position = count
            error.endOffset = window.bufferOffset + Int64(count)
            return error
        }
        var error = RecordError(
            line: line, offset: window.bufferOffset + Int64(start), reason: "unexpected character after a closing quote (column \(column))",
            raw: window.buffer[start..<newline])
        error.endLine = line + lines
        line += lines + 1
        window.position = newline + 1
        error.endOffset = window.bufferOffset + Int64(newline + 1)
        return error
    }
}
