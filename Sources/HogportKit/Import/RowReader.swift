public import PostHogCore
import PostHogKit

/// Reads rows of one input file as row objects, whatever its format, with each row's position.
public struct RowReader {
    /// One row, or a row that could not be read as a row object.
    public enum Row {
        case object([String: JSONValue], line: Int, offset: Int64, endOffset: Int64, raw: ArraySlice<UInt8>)
        case malformed(reason: String, line: Int, offset: Int64, endOffset: Int64, raw: ArraySlice<UInt8>)
        /// An NDJSON line not parsed yet (only with ``parsesNDJSON`` off); see ``parsed(_:line:offset:endOffset:)``.
        case unparsed(ArraySlice<UInt8>, line: Int, offset: Int64, endOffset: Int64)

        public var line: Int {
            switch self {
            case .object(_, let line, _, _, _), .malformed(_, let line, _, _, _), .unparsed(_, let line, _, _): return line
            }
        }

        public var endOffset: Int64 {
            switch self {
            case .object(_, _, _, let end, _), .malformed(_, _, _, let end, _), .unparsed(_, _, _, let end): return end
            }
        }

        /// Parses an NDJSON line into an object row, or a malformed one.
        public static func parsed(_ bytes: ArraySlice<UInt8>, line: Int, offset: Int64, endOffset: Int64) -> Row {
            do {
                let value = try JSONParser.parse(bytes)
                guard case .object(let object) = value else {
                    return .malformed(
                        reason: "the line is a JSON \(value.typeName), not an object", line: line, offset: offset, endOffset: endOffset, raw: bytes)
                }
                return .object(object, line: line, offset: offset, endOffset: endOffset, raw: bytes)
            } catch {
                return .malformed(
                    reason: "invalid JSON at column \(error.offset + 1): \(error.reason)", line: line, offset: offset, endOffset: endOffset, raw: bytes)
            }
        }
    }

    /// Where the checkpoint may resume after the row last returned: its end, or, for a last line
    /// without a newline (a log still being written), its start, so a grown file re-reads it whole.
    public private(set) var resumePoint = (line: 0, offset: Int64(0))

    enum Backend {
        /// A CSV file with no bytes at all: no header, no rows (a warning, not an error).
        case empty
        case ndjson(LineReader)
        case csv(CSVReader, CSVRowConverter)
    }

    private var backend: Backend
    public let format: InputFormat
    /// Whether NDJSON lines are parsed here (the default) or handed out as ``Row/unparsed(_:line:offset:endOffset:)``
    /// for a caller with a faster path.
    public var parsesNDJSON = true
    public let name: String

    /// Opens `path` (`-` for standard input) in `format` (`auto` sniffs the name, then the content).
    public init(path: String, format: InputFormat, mapping: ImportMapping, encoding: TextEncoding = .utf8) throws(ImportError) {
        let display = path == "-" ? "stdin" : path
        name = display
        var source: PeekableSource
        do {
            let opened = try InputFile.open(path)
            source = PeekableSource(base: encoding == .latin1 ? Latin1Source(base: opened) : opened)
        } catch {
            throw ImportError(.unreadableInput, error.description)
        }
        var resolved = format
        if resolved == .auto {
            if let byName = InputFormat.fromName(path) {
                resolved = byName
            } else {
                do {
                    resolved = InputFormat.fromContent(try source.peek(4096))
                } catch {
                    throw ImportError(.unreadableInput, error.description)
                }
            }
        }
        self.format = resolved
        switch resolved {
        case .ndjson, .auto:
            backend = .ndjson(LineReader(source: source, name: display))
        case .csv:
            var reader = CSVReader(source: source, name: display)
            var lowered = path.lowercased()
            if lowered.hasSuffix(".gz") { lowered.removeLast(3) }
            if lowered.hasSuffix(".tsv") { reader.delimiter = UInt8(ascii: "\t") }
            let header: [String]
            do {
                guard let first = try reader.next() else {
                    backend = .empty
                    return
                }
                switch first {
                case .success(let record): header = record.fields
                case .failure(let error): throw ImportError(.unreadableInput, "\(display):\(error.line): the header row is malformed: \(error.reason)")
                }
            } catch let error as InputError {
                throw ImportError(.unreadableInput, error.description)
            } catch let error as ImportError {
                throw error
            } catch {
                throw ImportError(.unreadableInput, "\(display): \(error)")
            }
            let converter: CSVRowConverter
            do {
                converter = try CSVRowConverter(header: header, mapping: mapping)
            } catch {
                throw ImportError(.unreadableInput, "\(display): \(error.reason)")
            }
            backend = .csv(reader, converter)
        }
    }

    /// Whether the file is an empty CSV file (nothing to import, nothing wrong).
    public var isEmptyFile: Bool {
        if case .empty = backend { return true }
        return false
    }

    /// Skips to a checkpointed position (the offset where the next uncommitted row starts).
    public mutating func skip(toOffset offset: Int64, line: Int) throws(ImportError) {
        do {
            switch backend {
            case .empty:
                return
            case .ndjson(var reader):
                backend = .empty  // the reader's buffer stays unshared, so refills do not copy it
                defer { backend = .ndjson(reader) }
                try reader.skip(toOffset: offset, lineNumber: line)
            case .csv(var reader, let converter):
                backend = .empty
                defer { backend = .csv(reader, converter) }
                try reader.skip(toOffset: offset, line: line + 1)
            }
        } catch {
            throw ImportError(.unreadableInput, error.description)
        }
    }

    /// Compressed (raw file) bytes consumed so far.
    public var rawOffset: Int64 {
        switch backend {
        case .empty: return 0
        case .ndjson(let reader): return reader.rawOffset
        case .csv(let reader, _): return reader.rawOffset
        }
    }

    /// The next row; nil at the end of the file.
    public mutating func next() throws(ImportError) -> Row? {
        do {
            switch backend {
            case .empty:
                return nil
            case .ndjson(var reader):
                // Out of `backend` while in use: a second reference to the reader's buffer would
                // make every refill copy it.
                backend = .empty
                defer { backend = .ndjson(reader) }
                while let line = try reader.next() {
                    resumePoint = line.terminated ? (line.number, line.endOffset) : (line.number - 1, line.offset)
                    if let first = line.bytes.first, first != 0x20 && first != 0x09 {
                        // The common case: a line that starts with its JSON.
                    } else if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                        continue
                    }
                    guard parsesNDJSON else {
                        return .unparsed(line.bytes, line: line.number, offset: line.offset, endOffset: line.endOffset)
                    }
                    return .parsed(line.bytes, line: line.number, offset: line.offset, endOffset: line.endOffset)
                }
                return nil
            case .csv(var reader, let converter):
                backend = .empty
                defer { backend = .csv(reader, converter) }
                while let result = try reader.next() {
                    switch result {
                    case .success(let record): resumePoint = (record.endLine, record.endOffset)
                    case .failure(let error): resumePoint = (error.endLine, error.endOffset)
                    }
                    switch result {
                    case .success(let record):
                        if record.fields.count == 1 && record.fields[0].isEmpty { continue }
                        if let problem = UTF8Check.problem(in: record.raw) {
                            return .malformed(reason: problem, line: record.line, offset: record.offset, endOffset: record.endOffset, raw: record.raw)
                        }
                        do {
                            return .object(
                                try converter.row(record.fields), line: record.line, offset: record.offset, endOffset: record.endOffset, raw: record.raw)
                        } catch {
                            return .malformed(reason: error.reason, line: record.line, offset: record.offset, endOffset: record.endOffset, raw: record.raw)
                        }
                    case .failure(let error):
                        return .malformed(
                            reason: "malformed CSV: \(error.reason)", line: error.line, offset: error.offset, endOffset: error.endOffset, raw: error.raw)
                    }
                }
                return nil
            }
        } catch {
            throw ImportError(.unreadableInput, error.description)
        }
    }
}
