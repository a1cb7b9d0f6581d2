import HogportKit
import PostHogCore
import PostHogKit
import Testing

/// EventBatcher: batches by count, bytes and UTC day.
@Suite("EventBatcher")
struct BatchTests {
    static func event(_ n: Int, size: Int = 100) -> EncodedEvent {
        EncodedEvent(uuid: "u\(n)", bytes: [UInt8](repeating: UInt8(ascii: "x"), count: size), tag: Int64(n))
    }

    static func position(_ n: Int, file: Int = 0) -> RowPosition {
        RowPosition(fileIndex: file, line: n + 1, endOffset: Int64((n + 1) * 10))
    }

    @Test("a batch closes at maxEvents; flush returns the rest; kinds and end positions are kept")
    func maxEvents() {
        var batcher = EventBatcher(maxEvents: 3, maxBytes: 1_000_000)
        var closed: [EventBatcher.Batch] = []
        for n in 0..<7 {
            closed += batcher.add(Self.event(n), kind: n == 1 ? .identify : .capture, day: 19_783, at: Self.position(n))
        }
        #expect(closed.map { $0.events.map(\.uuid) } == [["u0", "u1", "u2"], ["u3", "u4", "u5"]])
        #expect(closed[0].kinds == [.capture: 2, .identify: 1])
        #expect(closed[0].end == Self.position(2))
        #expect(closed[1].end == Self.position(5))
        #expect(closed[0].day == 19_783)
        #expect(closed[0].bytes == 3 * 101)
        #expect(!batcher.isEmpty)
        let rest = batcher.flush()
        #expect(rest?.events.map(\.uuid) == ["u6"])
        #expect(rest?.end == Self.position(6))
        #expect(batcher.isEmpty)
        #expect(batcher.flush() == nil)
    }

    @Test("a batch closes before it would pass maxBytes; a lone event larger than that still goes")
    func maxBytes() {
        var batcher = EventBatcher(maxEvents: 1_000, maxBytes: 1_024)
        var closed: [EventBatcher.Batch] = []
        for n in 0..<7 { closed += batcher.add(Self.event(n, size: 300), kind: .capture, day: 1, at: Self.position(n)) }
        // 3 x 301 = 903 bytes; a fourth would make 1204 > 1024.
        #expect(closed.map(\.events.count) == [3, 3])
        #expect(closed.allSatisfy { $0.bytes <= 1_024 })
        #expect(batcher.flush()?.events.count == 1)

        var big = EventBatcher(maxEvents: 1_000, maxBytes: 1_024)
        #expect(big.add(Self.event(0, size: 10), kind: .capture, day: 1, at: Self.position(0)).isEmpty)
        let closedByBig = big.add(Self.event(1, size: 5_000), kind: .capture, day: 1, at: Self.position(1))
        #expect(closedByBig.map(\.events.count) == [1])
        let alone = big.add(Self.event(2, size: 10), kind: .capture, day: 1, at: Self.position(2))
        #expect(alone.map { $0.events.map(\.uuid) } == [["u1"]])
        #expect(big.flush()?.events.map(\.uuid) == ["u2"])
    }

    @Test("a new UTC day closes the batch, in either direction")
    func newDayCloses() {
        var batcher = EventBatcher(maxEvents: 100, maxBytes: 1_000_000)
        let days: [Int64] = [10, 10, 11, 11, 11, 10, 12]
        var closed: [EventBatcher.Batch] = []
        for (n, day) in days.enumerated() { closed += batcher.add(Self.event(n), kind: .capture, day: day, at: Self.position(n)) }
        #expect(closed.map { $0.events.map(\.uuid) } == [["u0", "u1"], ["u2", "u3", "u4"], ["u5"]])
        #expect(closed.map(\.day) == [10, 11, 10])
        #expect(closed.map(\.end) == [Self.position(1), Self.position(4), Self.position(5)])
        let last = batcher.flush()
        #expect(last?.day == 12)
        #expect(last?.events.map(\.uuid) == ["u6"])
    }

    @Test("maxEvents 1: every event is its own batch; a day change closes a partial batch")
    func oneEventPerBatch() {
        var batcher = EventBatcher(maxEvents: 1, maxBytes: 1_000_000)
        for n in 0..<5 {
            let closed = batcher.add(Self.event(n), kind: .capture, day: Int64(n / 2), at: Self.position(n))
            #expect(closed.map { $0.events.map(\.uuid) } == [["u\(n)"]])
        }
        #expect(batcher.flush() == nil)

        var two = EventBatcher(maxEvents: 2, maxBytes: 1_000_000)
        _ = two.add(Self.event(0), kind: .capture, day: 1, at: Self.position(0))
        #expect(two.add(Self.event(1), kind: .capture, day: 1, at: Self.position(1)).count == 1)
        _ = two.add(Self.event(2), kind: .capture, day: 1, at: Self.position(2))
        let both = two.add(Self.event(3), kind: .capture, day: 2, at: Self.position(3))
        #expect(both.map { $0.events.map(\.uuid) } == [["u2"]])
        #expect(two.flush()?.events.map(\.uuid) == ["u3"])
    }

    @Test("limits are clamped: at least 1 event and 1024 bytes")
    func clamped() {
        let batcher = EventBatcher(maxEvents: 0, maxBytes: 10)
        #expect(batcher.maxEvents == 1)
        #expect(batcher.maxBytes == 1_024)
    }

    @Test("UTC days: the last microsecond of a day and the first of the next differ; before 1970 too")
    func utcDays() {
        let midnight = Timestamp(year: 2024, month: 3, day: 2)!
        #expect(Timestamp(microseconds: midnight.microseconds - 1).utcDay + 1 == midnight.utcDay)
        #expect(Timestamp(microseconds: 0).utcDay == 0)
        #expect(Timestamp(microseconds: -1).utcDay == -1)
        #expect(Timestamp(year: 2024, month: 3, day: 2, hour: 23, minute: 59, second: 59)!.utcDay == midnight.utcDay)
    }
}
