import PostHogKit
public import PostHogCore

/// A run of consecutive rows of one file, read and ready to map: the unit the source hands to the
/// mapping workers. The rows' bytes live in one buffer the chunk owns, so a chunk keeps nothing of
/// the reader alive.
public struct RowChunk: Sendable {
    /// What the reader made of one row.
    public enum Content: Sendable {
        /// An NDJSON line, not parsed yet (its bytes are `raw`).
        case line
        /// A CSV record already converted to a row object.
        case object([String: JSONValue])
        /// A row that could not be read as a row.
        case malformed(String)
    }

    /// One row and where it sits.
    public struct Row: Sendable {
        public var content: Content
        /// The row's bytes in ``RowChunk/storage``.
        public var raw: Range<Int>
        /// The line the row starts on (1-based) and its byte offset (decompressed).
        public var line: Int
        public var offset: Int64
        /// Where reading resumes after this row.
        public var resume: RowPosition
    }

    /// The chunk's number, in reading order.
    public var number: Int
    public var fileIndex: Int
    public var rows: [Row] = []
    public var storage: [UInt8] = []
    /// Set on a file's last chunk: where the file ended (its end is committed after its rows).
    public var fileEnd: RowPosition?

    public init(number: Int, fileIndex: Int) {
        self.number = number
        self.fileIndex = fileIndex
    }

    /// The bytes of `row`.
    public func bytes(of row: Row) -> ArraySlice<UInt8> { storage[row.raw] }

    mutating func append(_ row: RowReader.Row, resume: RowPosition) {
        let start = storage.count
        let content: Content
        let line: Int
        let offset: Int64
        switch row {
        case .unparsed(let bytes, let l, let o, _):
            storage.append(contentsOf: bytes)
            (content, line, offset) = (.line, l, o)
        case .object(let object, let l, let o, _, let raw):
            storage.append(contentsOf: raw)
            (content, line, offset) = (.object(object), l, o)
        case .malformed(let reason, let l, let o, _, let raw):
            storage.append(contentsOf: raw)
            (content, line, offset) = (.malformed(reason), l, o)
        }
        rows.append(Row(content: content, raw: start..<storage.count, line: line, offset: offset, resume: resume))
    }
}
