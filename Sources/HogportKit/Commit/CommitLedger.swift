/// Decides what may be committed to the checkpoint: a row's position once every message it became
/// is settled (acknowledged, or refused into the rejects file) and so is every earlier row's. A
/// pure value type.
///
/// Rows are registered in input order and get consecutive sequence numbers; their messages carry
/// the number through batches that may hold rows in any order (several days' batches are open at
/// once), and acknowledgements arrive in any order. ``release()`` hands out the longest settled
/// prefix: per file, the furthest position and the counts to add.
public struct CommitLedger: Sendable {
    /// Per-file count changes: the same counters as a file's progress.
    public typealias Delta = ImportCounts

    /// What a commit releases: per file, the furthest position and the counts to add.
    public struct Release: Sendable, Equatable {
        public var positions: [Int: RowPosition] = [:]
        public var deltas: [Int: Delta] = [:]
        /// Files whose end was reached.
        public var finishedFiles: Set<Int> = []
        /// The sequence numbers released.
        public var rows: Range<Int> = 0..<0

        public var isEmpty: Bool { positions.isEmpty && deltas.isEmpty && finishedFiles.isEmpty }
    }

    /// One registered row (or file end): 40 bytes inline, since up to a hundred thousand wait at once.
    struct Entry {
        var endOffset: Int64
        var line: Int64
        /// Acknowledged messages per ``MessageKind``.
        var sent = KindCounts()
        var fileIndex: Int32
        var outstanding: Int32
        var rejected: UInt16 = 0
        var skipped: UInt8 = 0
        var isRow: Bool
        var finishesFile = false

        init(position: RowPosition, outstanding: Int32, isRow: Bool, finishesFile: Bool = false) {
            endOffset = position.endOffset
            line = Int64(position.line)
            fileIndex = Int32(truncatingIfNeeded: position.fileIndex)
            self.outstanding = outstanding
            self.isRow = isRow
            self.finishesFile = finishesFile
        }

        var position: RowPosition { RowPosition(fileIndex: Int(fileIndex), line: Int(line), endOffset: endOffset) }
    }

    /// Six 16-bit counters, one per ``MessageKind``, in 12 bytes with 8-byte alignment (a
    /// `SIMD8<UInt16>` would align the entry to 16 bytes and make it 64 bytes long).
    struct KindCounts: Equatable {
        private var low: UInt64 = 0
        private var high: UInt32 = 0

        subscript(index: Int) -> UInt16 {
            get { index < 4 ? UInt16(truncatingIfNeeded: low >> (16 * index)) : UInt16(truncatingIfNeeded: high >> (16 * (index - 4))) }
            set {
                if index < 4 {
                    let shift = UInt64(16 * index)
                    low = (low & ~(0xFFFF << shift)) | (UInt64(newValue) << shift)
                } else {
                    let shift = UInt32(16 * (index - 4))
                    high = (high & ~(0xFFFF << shift)) | (UInt32(newValue) << shift)
                }
            }
        }

        var isZero: Bool { low == 0 && high == 0 }
    }

    private var entries: [Entry] = []
    /// Index in `entries` of the first entry not released.
    private var head = 0
    /// The sequence number of `entries[0]`.
    private var base = 0

    public init() {}

    /// The sequence number the next registered row gets.
    public var nextSequence: Int { base + entries.count }

    /// The first sequence number not released yet.
    public var frontier: Int { base + head }

    /// Rows registered but not released (the work a crash would repeat).
    public var pendingRows: Int { entries.count - head }

    /// Registers a row that became `messages` messages (0 for a row settled at once), ending at
    /// `position`; returns its sequence number.
    @discardableResult
    public mutating func addRow(at position: RowPosition, messages: Int, rejected: Bool = false, skipped: Bool = false) -> Int {
        var entry = Entry(position: position, outstanding: Int32(messages), isRow: true)
        if rejected { entry.rejected = 1 }
        if skipped { entry.skipped = 1 }
        entries.append(entry)
        return nextSequence - 1
    }

    /// Registers the end of file `index` (at `position`, after its last row).
    public mutating func finishFile(_ index: Int, at position: RowPosition) {
        entries.append(Entry(position: position, outstanding: 0, isRow: false, finishesFile: true))
    }

    /// Records that one message of row `sequence` was acknowledged.
    public mutating func acknowledge(_ sequence: Int, kind: MessageKind) {
        let index = sequence - base
        guard index >= head, index < entries.count else { return }
        entries[index].outstanding -= 1
        entries[index].sent[kind.ledgerIndex] &+= 1
    }

    /// Records that the server refused one message of row `sequence` (it is in the rejects file).
    public mutating func refuse(_ sequence: Int) {
        let index = sequence - base
        guard index >= head, index < entries.count else { return }
        entries[index].outstanding -= 1
        entries[index].rejected &+= 1
    }

    /// Marks row `sequence` rejected as a whole after registration (its messages were never sent).
    public mutating func rejectUnsent(_ sequence: Int) {
        let index = sequence - base
        guard index >= head, index < entries.count else { return }
        entries[index].outstanding = 0
        entries[index].rejected = 1
    }

    /// Releases the settled prefix: every row from the frontier up to the first with a message
    /// still outstanding.
    public mutating func release() -> Release {
        var release = Release()
        let start = frontier
        var run: Run?
        while head < entries.count && entries[head].outstanding <= 0 {
            let entry = entries[head]
            if run?.file != entry.fileIndex {
                run?.flush(into: &release)
                run = Run(file: entry.fileIndex, last: entry)
            }
            run!.add(entry)
            head += 1
        }
        run?.flush(into: &release)
        release.rows = start..<frontier
        // Often enough that released entries never outnumber waiting ones by much: the buffer's
        // pages stay resident once touched.
        if head >= 8192 || (head >= 1024 && head * 2 >= entries.count) { compact() }
        return release
    }

    /// Drops the released entries in place (`removeFirst` would copy into a new buffer while the
    /// old one is still held).
    private mutating func compact() {
        let kept = entries.count - head
        let released = head
        entries.withUnsafeMutableBufferPointer { buffer in
            guard let start = buffer.baseAddress, kept > 0 else { return }
            // memmove: the regions overlap.
            UnsafeMutableRawPointer(start).copyMemory(from: start + released, byteCount: kept * MemoryLayout<Entry>.stride)
        }
        entries.removeLast(head)
        base += head
        head = 0
    }

    /// Released entries of one file in a row, summed before they touch the release's
    /// dictionaries (once a row, that cost ~3 % of an import).
    struct Run {
        let file: Int32
        var last: Entry
        var finished = false
        var rows = 0
        var rejected = 0
        var skipped = 0
        var sent = SIMD8<Int64>()

        mutating func add(_ entry: Entry) {
            last = entry
            if entry.finishesFile { finished = true }
            guard entry.isRow else { return }
            rows += 1
            rejected += Int(entry.rejected)
            skipped += Int(entry.skipped)
            if !entry.sent.isZero {
                for index in 0..<MessageKind.allCases.count { sent[index] += Int64(entry.sent[index]) }
            }
        }

        func flush(into release: inout Release) {
            let file = Int(self.file)
            release.positions[file] = last.position
            if finished { release.finishedFiles.insert(file) }
            guard rows > 0 else { return }
            var delta = release.deltas.removeValue(forKey: file) ?? Delta()
            delta.rows += rows
            delta.rejected += rejected
            delta.skipped += skipped
            delta.sent += Int(sent.wrappedSum())
            delta.addKinds(sent)
            release.deltas[file] = delta
        }
    }

    /// The position row `sequence` ends at, while it is not released.
    public func position(of sequence: Int) -> RowPosition? {
        let index = sequence - base
        guard index >= head, index < entries.count else { return nil }
        return entries[index].position
    }
}

extension MessageKind {
    /// This kind's slot in the ledger's per-row counters.
    var ledgerIndex: Int {
        switch self {
        case .capture: return 0
        case .identify: return 1
        case .alias: return 2
        case .groupIdentify: return 3
        case .set: return 4
        case .setOnce: return 5
        }
    }
}
