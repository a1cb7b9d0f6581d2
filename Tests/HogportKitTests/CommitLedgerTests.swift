import HogportKit
import PostHogCore
import Testing

/// CommitLedger: positions are released only for an acknowledged prefix, with per-file counts.
@Suite("CommitLedger")
struct CommitLedgerTests {
    static func at(_ line: Int, file: Int = 0) -> RowPosition {
        RowPosition(fileIndex: file, line: line, endOffset: Int64(line * 100))
    }

    static func delta(rows: Int = 0, sent: Int = 0, rejected: Int = 0, skipped: Int = 0, kinds: [MessageKind: Int] = [:]) -> CommitLedger.Delta {
        var d = CommitLedger.Delta()
        d.rows = rows
        d.sent = sent
        d.rejected = rejected
        d.skipped = skipped
        d.kinds = kinds
        return d
    }

    @Test("a batch is released when acknowledged, with its rows and what the server did")
    func singleBatch() {
        var ledger = CommitLedger()
        let id = ledger.addBatch(endingAt: Self.at(10), delta: Self.delta(rows: 10))
        #expect(ledger.pendingBatches == 1)
        let release = ledger.complete(id, delta: Self.delta(sent: 9, rejected: 1, kinds: [.capture: 9]))
        #expect(release.positions == [0: Self.at(10)])
        #expect(release.deltas == [0: Self.delta(rows: 10, sent: 9, rejected: 1, kinds: [.capture: 9])])
        #expect(release.finishedFiles.isEmpty)
        #expect(ledger.pendingBatches == 0)
    }

    @Test("out-of-order completion releases only the acknowledged prefix")
    func outOfOrder() {
        var ledger = CommitLedger()
        let b0 = ledger.addBatch(endingAt: Self.at(10), delta: Self.delta(rows: 10))
        let b1 = ledger.addBatch(endingAt: Self.at(20), delta: Self.delta(rows: 10))
        let b2 = ledger.addBatch(endingAt: Self.at(30), delta: Self.delta(rows: 10))
        let r1 = ledger.complete(b1, delta: Self.delta(sent: 10))
        #expect(r1.positions.isEmpty)
        #expect(r1.deltas.isEmpty)
        let r2 = ledger.complete(b2, delta: Self.delta(sent: 10))
        #expect(r2.positions.isEmpty)
        #expect(ledger.pendingBatches == 1)
        let r0 = ledger.complete(b0, delta: Self.delta(sent: 10))
        #expect(r0.positions == [0: Self.at(30)])
        #expect(r0.deltas[0] == Self.delta(rows: 30, sent: 30))
        #expect(ledger.pendingBatches == 0)
    }

    @Test("completions in order release step by step")
    func inOrder() {
        var ledger = CommitLedger()
        let ids = (1...3).map { ledger.addBatch(endingAt: Self.at($0 * 10), delta: Self.delta(rows: 10)) }
        for (i, id) in ids.enumerated() {
            #expect(ledger.complete(id, delta: Self.delta(sent: 10)).positions == [0: Self.at((i + 1) * 10)])
        }
    }

    @Test("settled rows with nothing pending are released at once; consecutive ones merge")
    func settledAlone() {
        var ledger = CommitLedger()
        let r = ledger.addSettled(at: Self.at(1), delta: Self.delta(rows: 1, rejected: 1))
        #expect(r.positions == [0: Self.at(1)])
        #expect(r.deltas == [0: Self.delta(rows: 1, rejected: 1)])
        let r2 = ledger.addSettled(at: Self.at(2), delta: Self.delta(rows: 1, skipped: 1))
        #expect(r2.positions == [0: Self.at(2)])
        #expect(r2.deltas == [0: Self.delta(rows: 1, skipped: 1)])
    }

    @Test("settled rows after a pending batch wait for it, then go with it")
    func settledBetweenBatches() {
        var ledger = CommitLedger()
        let b0 = ledger.addBatch(endingAt: Self.at(10), delta: Self.delta(rows: 10))
        #expect(ledger.addSettled(at: Self.at(11), delta: Self.delta(rows: 1, rejected: 1)).positions.isEmpty)
        #expect(ledger.addSettled(at: Self.at(12), delta: Self.delta(rows: 1, skipped: 1)).positions.isEmpty)
        let b1 = ledger.addBatch(endingAt: Self.at(20), delta: Self.delta(rows: 8))
        #expect(ledger.addSettled(at: Self.at(21), delta: Self.delta(rows: 1, rejected: 1)).positions.isEmpty)
        let r0 = ledger.complete(b0, delta: Self.delta(sent: 10))
        #expect(r0.positions == [0: Self.at(12)])
        #expect(r0.deltas[0] == Self.delta(rows: 12, sent: 10, rejected: 1, skipped: 1))
        let r1 = ledger.complete(b1, delta: Self.delta(sent: 8))
        #expect(r1.positions == [0: Self.at(21)])
        #expect(r1.deltas[0] == Self.delta(rows: 9, sent: 8, rejected: 1))
    }

    @Test("settled rows after a batch completed out of order still wait for the earlier batch")
    func settledAfterOutOfOrderCompletion() {
        var ledger = CommitLedger()
        let b0 = ledger.addBatch(endingAt: Self.at(10), delta: Self.delta(rows: 10))
        let b1 = ledger.addBatch(endingAt: Self.at(20), delta: Self.delta(rows: 10))
        #expect(ledger.complete(b1, delta: Self.delta(sent: 10)).positions.isEmpty)
        #expect(ledger.addSettled(at: Self.at(21), delta: Self.delta(rows: 1, rejected: 1)).positions.isEmpty)
        let r = ledger.complete(b0, delta: Self.delta(sent: 10))
        #expect(r.positions == [0: Self.at(21)])
        #expect(r.deltas[0] == Self.delta(rows: 21, sent: 20, rejected: 1))
    }

    @Test("a file's end is released after its last batch; files keep their own positions and deltas")
    func fileEnds() {
        var ledger = CommitLedger()
        let a = ledger.addBatch(endingAt: Self.at(5, file: 0), delta: Self.delta(rows: 5))
        #expect(ledger.finishFile(0, at: Self.at(6, file: 0)).finishedFiles.isEmpty)
        let b = ledger.addBatch(endingAt: Self.at(3, file: 1), delta: Self.delta(rows: 3))
        #expect(ledger.addSettled(at: Self.at(4, file: 1), delta: Self.delta(rows: 1, rejected: 1)).positions.isEmpty)
        #expect(ledger.finishFile(1, at: Self.at(4, file: 1)).finishedFiles.isEmpty)
        #expect(ledger.complete(b, delta: Self.delta(sent: 3, kinds: [.capture: 3])).positions.isEmpty)
        let r = ledger.complete(a, delta: Self.delta(sent: 5, kinds: [.identify: 5]))
        #expect(r.finishedFiles == [0, 1])
        #expect(r.positions == [0: Self.at(6, file: 0), 1: Self.at(4, file: 1)])
        #expect(r.deltas == [0: Self.delta(rows: 5, sent: 5, kinds: [.identify: 5]), 1: Self.delta(rows: 4, sent: 3, rejected: 1, kinds: [.capture: 3])])
    }

    @Test("a file with no batches finishes at once")
    func emptyFile() {
        var ledger = CommitLedger()
        let r = ledger.finishFile(3, at: RowPosition(fileIndex: 3, line: 0, endOffset: 0))
        #expect(r.finishedFiles == [3])
    }

    @Test("completing an unknown or already completed batch changes nothing")
    func unknownBatch() {
        var ledger = CommitLedger()
        let b0 = ledger.addBatch(endingAt: Self.at(1), delta: Self.delta(rows: 1))
        #expect(ledger.complete(b0, delta: Self.delta(sent: 1)).positions == [0: Self.at(1)])
        #expect(ledger.complete(b0, delta: Self.delta(sent: 1)).positions.isEmpty)
        #expect(ledger.complete(999, delta: Self.delta(sent: 1)).deltas.isEmpty)
    }

    @Test("thousands of batches completed in reverse release everything once the first completes")
    func manyBatches() {
        var ledger = CommitLedger()
        var ids: [Int] = []
        for n in 1...3_000 { ids.append(ledger.addBatch(endingAt: Self.at(n), delta: Self.delta(rows: 1))) }
        for id in ids.dropFirst().reversed() { #expect(ledger.complete(id, delta: Self.delta(sent: 1)).positions.isEmpty) }
        let r = ledger.complete(ids[0], delta: Self.delta(sent: 1))
        #expect(r.positions == [0: Self.at(3_000)])
        #expect(r.deltas[0] == Self.delta(rows: 3_000, sent: 3_000))
        // And it keeps working after its internal compaction.
        let next = ledger.addBatch(endingAt: Self.at(3_001), delta: Self.delta(rows: 1))
        #expect(ledger.complete(next, delta: Self.delta(sent: 1)).positions == [0: Self.at(3_001)])
        #expect(ledger.pendingBatches == 0)
    }
}
