import HogportKit
import PostHogCore
import Testing

/// CommitLedger: a row's position is released only when its messages and every earlier row's are
/// settled, whatever order batches are acknowledged in; counts per file.
@Suite("CommitLedger")
struct CommitLedgerTests {
    static func at(_ line: Int, file: Int = 0) -> RowPosition {
        RowPosition(fileIndex: file, line: line, endOffset: Int64(line * 100))
    }

    @Test("a row is released when its message is acknowledged, with its counts")
    func single() {
        var ledger = CommitLedger()
        let row = ledger.addRow(at: Self.at(1), messages: 1)
        #expect(ledger.release().isEmpty)
        ledger.acknowledge(row, kind: .capture)
        let release = ledger.release()
        #expect(release.positions == [0: Self.at(1)])
        #expect(release.deltas[0]?.rows == 1)
        #expect(release.deltas[0]?.sent == 1)
        #expect(release.deltas[0]?.kinds == [.capture: 1])
        #expect(release.rows == 0..<1)
        #expect(ledger.pendingRows == 0)
    }

    @Test("rows of interleaved days: nothing passes an unacknowledged row")
    func interleaved() {
        var ledger = CommitLedger()
        // Rows 0, 2, 4 go in the day-A batch; 1, 3, 5 in the day-B batch.
        let rows = (1...6).map { ledger.addRow(at: Self.at($0), messages: 1) }
        for row in rows where row % 2 == 1 { ledger.acknowledge(row, kind: .capture) }
        #expect(ledger.release().isEmpty, "row 0 is still out")
        ledger.acknowledge(rows[0], kind: .capture)
        #expect(ledger.release().positions == [0: Self.at(2)])
        for row in rows where row % 2 == 0 && row > 0 { ledger.acknowledge(row, kind: .identify) }
        let release = ledger.release()
        #expect(release.positions == [0: Self.at(6)])
        #expect(release.deltas[0]?.rows == 4)
        #expect(release.deltas[0]?.kinds == [.capture: 2, .identify: 2])
    }

    @Test("a row of several messages waits for all of them")
    func multiMessage() {
        var ledger = CommitLedger()
        let row = ledger.addRow(at: Self.at(1), messages: 3)
        ledger.acknowledge(row, kind: .alias)
        ledger.acknowledge(row, kind: .capture)
        #expect(ledger.release().isEmpty)
        ledger.refuse(row)
        let release = ledger.release()
        #expect(release.deltas[0]?.sent == 2)
        #expect(release.deltas[0]?.rejected == 1)
        #expect(release.deltas[0]?.rows == 1)
    }

    @Test("rejected and skipped rows settle at once, behind pending ones")
    func settledRows() {
        var ledger = CommitLedger()
        let pending = ledger.addRow(at: Self.at(1), messages: 1)
        ledger.addRow(at: Self.at(2), messages: 0, rejected: true)
        ledger.addRow(at: Self.at(3), messages: 0, skipped: true)
        #expect(ledger.release().isEmpty)
        ledger.acknowledge(pending, kind: .capture)
        let release = ledger.release()
        #expect(release.positions == [0: Self.at(3)])
        #expect(release.deltas[0]?.rejected == 1)
        #expect(release.deltas[0]?.skipped == 1)
        #expect(release.deltas[0]?.rows == 3)
    }

    @Test("a file's end is released after its rows; files keep their own positions")
    func files() {
        var ledger = CommitLedger()
        let a = ledger.addRow(at: Self.at(1, file: 0), messages: 1)
        ledger.finishFile(0, at: Self.at(1, file: 0))
        let b = ledger.addRow(at: Self.at(1, file: 1), messages: 1)
        ledger.acknowledge(b, kind: .capture)
        #expect(ledger.release().isEmpty)
        ledger.acknowledge(a, kind: .capture)
        let release = ledger.release()
        #expect(release.finishedFiles == [0])
        #expect(release.positions == [0: Self.at(1, file: 0), 1: Self.at(1, file: 1)])
    }

    @Test("a long run stays exact across the ledger's compaction")
    func compaction() {
        var ledger = CommitLedger()
        var released = 0
        var outstanding: [Int] = []
        for n in 0..<20_000 {
            outstanding.append(ledger.addRow(at: Self.at(n + 1), messages: 1))
            if outstanding.count == 64 {
                for row in outstanding.reversed() { ledger.acknowledge(row, kind: .capture) }
                outstanding.removeAll()
                let release = ledger.release()
                released += release.deltas[0]?.rows ?? 0
                #expect(release.positions[0] == Self.at(n + 1))
            }
        }
        #expect(released == 19_968)
        #expect(ledger.pendingRows == 32)
        #expect(ledger.frontier == 19_968)
    }

    @Test("compaction moves waiting rows intact: positions and the counts of every kind")
    func compactionKeepsWaitingRows() {
        var ledger = CommitLedger()
        let kinds = MessageKind.allCases
        let rows = (0..<10_000).map { ledger.addRow(at: Self.at($0 + 1, file: $0 < 5_000 ? 0 : 1), messages: 2) }
        // Rows 6000... get one of their two messages acknowledged before the compaction.
        for row in rows[6_000...] { ledger.acknowledge(row, kind: kinds[row % kinds.count]) }
        for row in rows[..<6_000] {
            ledger.acknowledge(row, kind: kinds[row % kinds.count])
            ledger.acknowledge(row, kind: kinds[(row + 1) % kinds.count])
        }
        let first = ledger.release()
        #expect(first.rows == 0..<6_000)
        #expect(first.positions == [0: Self.at(5_000, file: 0), 1: Self.at(6_000, file: 1)])
        #expect(ledger.pendingRows == 4_000)
        #expect(ledger.position(of: 6_000) == Self.at(6_001, file: 1))
        #expect(ledger.position(of: 9_999) == Self.at(10_000, file: 1))
        for row in rows[6_000...] { ledger.acknowledge(row, kind: .setOnce) }
        let second = ledger.release()
        #expect(second.rows == 6_000..<10_000)
        #expect(second.positions == [1: Self.at(10_000, file: 1)])
        var expected: [MessageKind: Int] = [:]
        for row in 6_000..<10_000 { expected[kinds[row % kinds.count], default: 0] += 1 }
        expected[.setOnce, default: 0] += 4_000
        #expect(second.deltas[1]?.kinds == expected)
        #expect(second.deltas[1]?.sent == 8_000)
        #expect(ledger.pendingRows == 0)
    }
}
