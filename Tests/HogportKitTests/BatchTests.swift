import HogportKit
import PostHogCore
import PostHogKit
import Testing

/// DayBatcher: batches by count, bytes and UTC day, with several days open at once.
@Suite("DayBatcher")
struct BatchTests {
    static func event(_ n: Int, size: Int = 50) -> EncodedEvent {
        let text = "{\"n\":\(n)}"
        return EncodedEvent(uuid: "u\(n)", bytes: Array(text.utf8) + Array(repeating: UInt8(ascii: " "), count: max(0, size - text.utf8.count)))
    }

    static func origin(_ n: Int) -> UploadBatch.Source {
        UploadBatch.Source(sequence: n, fileIndex: 0, line: n + 1, offset: Int64(n * 100), kind: .capture)
    }

    @Test("a batch closes at maxEvents; events keep their order in one buffer; sources follow their events")
    func byCount() {
        var batcher = DayBatcher(maxEvents: 3, maxBytes: 1_000_000)
        var closed: [UploadBatch] = []
        for n in 0..<7 { closed += batcher.add(Self.event(n), day: 19_783, from: Self.origin(n)) }
        #expect(closed.map(\.events.count) == [3, 3])
        #expect((0..<3).map { String(decoding: closed[1].events[$0], as: UTF8.self).hasPrefix("{\"n\":\(3 + $0)}") } == [true, true, true])
        #expect(closed[1].sources.map(\.sequence) == [3, 4, 5])
        #expect(closed[1].oldestRow == 3)
        let rest = batcher.closeAll()
        #expect(rest.map(\.events.count) == [1])
        #expect(batcher.isEmpty)
        #expect(batcher.closeAll().isEmpty)
    }

    @Test("a batch closes before it would pass maxBytes")
    func byBytes() {
        var batcher = DayBatcher(maxEvents: 1_000, maxBytes: 1_024)
        var closed: [UploadBatch] = []
        for n in 0..<7 { closed += batcher.add(Self.event(n, size: 300), day: 1, from: Self.origin(n)) }
        #expect(closed.map(\.events.count) == [3, 3])
        #expect(closed.allSatisfy { $0.bytes <= 1_024 })
    }

    @Test("shuffled days fill their own batches instead of closing on every change of day")
    func interleavedDays() {
        var batcher = DayBatcher(maxEvents: 100, maxBytes: 1_000_000, maxOpenDays: 32)
        var closed: [UploadBatch] = []
        // 30 days, interleaved round-robin: the worst order for a one-day-at-a-time batcher.
        for n in 0..<6_000 { closed += batcher.add(Self.event(n), day: Int64(n % 30), from: Self.origin(n)) }
        closed += batcher.closeAll()
        #expect(closed.count == 60)
        #expect(closed.allSatisfy { $0.events.count == 100 })
        #expect(batcher.pressureCloses == 0)
        for batch in closed {
            #expect(Set(batch.sources.map { $0.sequence % 30 }).count == 1, "one day per batch")
        }
    }

    @Test("past maxOpenDays the fullest batch closes, counted as pressure")
    func tooManyDays() {
        var batcher = DayBatcher(maxEvents: 100, maxBytes: 1_000_000, maxOpenDays: 2)
        var closed: [UploadBatch] = []
        for n in 0..<5 { closed += batcher.add(Self.event(n), day: 1, from: Self.origin(n)) }
        closed += batcher.add(Self.event(5), day: 2, from: Self.origin(5))
        #expect(closed.isEmpty)
        closed += batcher.add(Self.event(6), day: 3, from: Self.origin(6))
        #expect(closed.map(\.day) == [1])
        #expect(closed[0].events.count == 5)
        #expect(batcher.pressureCloses == 1)
        #expect(batcher.openCount == 2)
    }

    @Test("held bytes stay under maxHeldBytes")
    func heldBytes() {
        var batcher = DayBatcher(maxEvents: 1_000, maxBytes: 10_000, maxOpenDays: 100, maxHeldBytes: 20_000)
        for n in 0..<1_000 {
            _ = batcher.add(Self.event(n, size: 99), day: Int64(n % 50), from: Self.origin(n))
            #expect(batcher.heldBytes <= 20_000)
        }
    }

    @Test("closeOldest closes the batch holding the lowest row")
    func oldest() {
        var batcher = DayBatcher(maxEvents: 100, maxBytes: 1_000_000)
        _ = batcher.add(Self.event(0), day: 5, from: Self.origin(0))
        _ = batcher.add(Self.event(1), day: 3, from: Self.origin(1))
        _ = batcher.add(Self.event(2), day: 5, from: Self.origin(2))
        #expect(batcher.oldestRow == 0)
        #expect(batcher.closeOldest()?.day == 5)
        #expect(batcher.oldestRow == 1)
        #expect(batcher.closeOldest()?.day == 3)
        #expect(batcher.closeOldest() == nil)
    }

    @Test("limits are clamped to workable values")
    func clamps() {
        let batcher = DayBatcher(maxEvents: 0, maxBytes: 10)
        #expect(batcher.maxEvents == 1)
        #expect(batcher.maxBytes == 1_024)
    }
}
