/// One input file's committed progress.
public struct FileProgress: Sendable, Equatable {
    public var identity: FileIdentity
    /// Lines (or CSV physical lines) committed: the next row starts after this line.
    public var line: Int
    /// Byte offset (decompressed) where the next uncommitted row starts.
    public var offset: Int64
    /// Counts over committed rows.
    public var counts: ImportCounts
    public var done: Bool

    public init(identity: FileIdentity, line: Int = 0, offset: Int64 = 0, counts: ImportCounts = ImportCounts(), done: Bool = false) {
        self.identity = identity
        self.line = line
        self.offset = offset
        self.counts = counts
        self.done = done
    }
}

/// Row and message counts of an import (per file or for the run).
public struct ImportCounts: Sendable, Equatable {
    /// Rows read (data rows; a CSV header is not a row).
    public var rows = 0
    /// Events the server acknowledged.
    public var sent = 0
    /// Rows written to the rejects file (by validation, or refused by the server).
    public var rejected = 0
    /// Rows dropped on purpose by the mapping.
    public var skipped = 0
    /// Acknowledged events per message kind.
    public var kinds: [MessageKind: Int] = [:]

    public init() {}

    /// Adds acknowledged events counted per kind, each at its ``MessageKind/ledgerIndex``.
    mutating func addKinds(_ counts: SIMD8<Int64>) {
        for kind in MessageKind.allCases where counts[kind.ledgerIndex] > 0 {
            kinds[kind, default: 0] += Int(counts[kind.ledgerIndex])
        }
    }

    public mutating func add(_ other: ImportCounts) {
        rows += other.rows
        sent += other.sent
        rejected += other.rejected
        skipped += other.skipped
        for (kind, n) in other.kinds { kinds[kind, default: 0] += n }
    }
}
