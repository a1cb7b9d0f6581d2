/// Decides what may be committed to the checkpoint: a row's position only once its batch and
/// every earlier one are acknowledged, or the row is in the rejects file. A pure value type.
///
/// Units are added in input order: batches (pending until acknowledged) and settled stretches
/// (rejected or skipped rows, file ends). Completing a batch releases the longest settled prefix.
public struct CommitLedger: Sendable {
    /// Per-file count changes carried by a unit: the same counters as a file's progress.
    public typealias Delta = ImportCounts

    /// What a commit releases: per file, the furthest position and the counts to add.
    public struct Release: Sendable, Equatable {
        public var positions: [Int: RowPosition] = [:]
        public var deltas: [Int: Delta] = [:]
        /// Files whose end was reached.
        public var finishedFiles: Set<Int> = []

        var isEmpty: Bool { positions.isEmpty && deltas.isEmpty && finishedFiles.isEmpty }
    }

    struct Unit {
        var id: Int?
        var done: Bool
        var position: RowPosition?
        var deltas: [Int: Delta]
        var finishesFile: Int?
    }

    private var units: [Unit] = []
    private var head = 0
    private var nextID = 0

    public init() {}

    /// Batches not yet acknowledged.
    public var pendingBatches: Int { units[head...].reduce(0) { $0 + ($1.done ? 0 : 1) } }

    /// Adds a pending batch ending at `position`, whose rows carry `delta` (rows read); returns its id.
    public mutating func addBatch(endingAt position: RowPosition, delta: Delta) -> Int {
        let id = nextID
        nextID += 1
        units.append(Unit(id: id, done: false, position: position, deltas: [position.fileIndex: delta], finishesFile: nil))
        return id
    }

    /// Adds rows settled at once (rejected or skipped) up to `position`; released when every
    /// earlier batch is.
    public mutating func addSettled(at position: RowPosition, delta: Delta) -> Release {
        if let last = units.indices.last, last >= head, units[last].id == nil || units[last].done,
            units[last].finishesFile == nil, units[last].position?.fileIndex == position.fileIndex
        {
            // Merge into the trailing settled unit.
            units[last].position = position
            units[last].deltas[position.fileIndex, default: Delta()].add(delta)
        } else {
            units.append(Unit(id: nil, done: true, position: position, deltas: [position.fileIndex: delta], finishesFile: nil))
        }
        return release()
    }

    /// Marks the end of file `index` (at `position`, after its last row).
    public mutating func finishFile(_ index: Int, at position: RowPosition) -> Release {
        units.append(Unit(id: nil, done: true, position: position, deltas: [:], finishesFile: index))
        return release()
    }

    /// Marks batch `id` acknowledged, with what the server did with its events.
    public mutating func complete(_ id: Int, delta: Delta) -> Release {
        if let index = units[head...].firstIndex(where: { $0.id == id }) {
            units[index].done = true
            if let file = units[index].position?.fileIndex { units[index].deltas[file, default: Delta()].add(delta) }
        }
        return release()
    }

    private mutating func release() -> Release {
        var release = Release()
        while head < units.count && units[head].done {
            let unit = units[head]
            if let position = unit.position { release.positions[position.fileIndex] = position }
            for (file, delta) in unit.deltas where delta != Delta() { release.deltas[file, default: Delta()].add(delta) }
            if let file = unit.finishesFile { release.finishedFiles.insert(file) }
            head += 1
        }
        if head > 1024 {
            units.removeFirst(head)
            head = 0
        }
        return release
    }
}
