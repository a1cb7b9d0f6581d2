@testable import PostHogKit
import Testing

@Suite("ClientQueue state machine")
struct ClientQueueTests {
    static func event(_ size: Int, _ id: Int = 0) -> EncodedEvent {
        EncodedEvent(uuid: "e\(id)", bytes: [UInt8](repeating: 0x61, count: size), tag: Int64(id))
    }

    @Test("Accepts up to capacity, then reports full; closed refuses")
    func capacity() {
        var queue = ClientQueue(capacity: 3, flushAt: 10, maxBatchBytes: 1 << 20)
        #expect(queue.enqueue(Self.event(10, 1)) == .accepted)
        #expect(queue.enqueue(Self.event(10, 2)) == .accepted)
        #expect(queue.hasSpace)
        #expect(queue.enqueue(Self.event(10, 3)) == .accepted)
        #expect(!queue.hasSpace)
        #expect(queue.enqueue(Self.event(10, 4)) == .full)
        #expect(queue.accepted == 3)
        #expect(queue.queuedBytes == 30)
        queue.close()
        _ = queue.takeBatch()
        #expect(queue.enqueue(Self.event(10, 5)) == .closed)
    }

    @Test("shouldSend: at flushAt, when full, on a drain request, or once closed — never when empty")
    func shouldSend() {
        var queue = ClientQueue(capacity: 100, flushAt: 3, maxBatchBytes: 1 << 20)
        #expect(!queue.shouldSend)
        queue.drainRequested = true
        #expect(!queue.shouldSend, "nothing to send")
        queue.drainRequested = false
        _ = queue.enqueue(Self.event(1))
        _ = queue.enqueue(Self.event(1))
        #expect(!queue.shouldSend)
        _ = queue.enqueue(Self.event(1))
        #expect(queue.shouldSend)

        var drain = ClientQueue(capacity: 100, flushAt: 50, maxBatchBytes: 1 << 20)
        _ = drain.enqueue(Self.event(1))
        #expect(!drain.shouldSend)
        drain.drainRequested = true
        #expect(drain.shouldSend)

        var full = ClientQueue(capacity: 2, flushAt: 50, maxBatchBytes: 1 << 20)
        _ = full.enqueue(Self.event(1))
        _ = full.enqueue(Self.event(1))
        #expect(full.shouldSend)

        var closed = ClientQueue(capacity: 10, flushAt: 50, maxBatchBytes: 1 << 20)
        _ = closed.enqueue(Self.event(1))
        closed.close()
        #expect(closed.shouldSend)
    }

    @Test("takeBatch takes at most flushAt events and maxBatchBytes bytes, in order, never nothing")
    func takeBatch() {
        var queue = ClientQueue(capacity: 100, flushAt: 4, maxBatchBytes: 100)
        for i in 0..<10 { _ = queue.enqueue(Self.event(30, i)) }
        let first = queue.takeBatch()
        #expect(first.map(\.tag) == [0, 1, 2], "3 × (30 + 1) bytes fit in 100, a 4th does not")
        #expect(queue.queuedBytes == 7 * 30)
        var small = ClientQueue(capacity: 100, flushAt: 4, maxBatchBytes: 1 << 20)
        for i in 0..<6 { _ = small.enqueue(Self.event(1, i)) }
        #expect(small.takeBatch().map(\.tag) == [0, 1, 2, 3])
        #expect(small.takeBatch().map(\.tag) == [4, 5])
        // An event larger than maxBatchBytes still goes, alone.
        var huge = ClientQueue(capacity: 10, flushAt: 4, maxBatchBytes: 10)
        _ = huge.enqueue(Self.event(500, 1))
        _ = huge.enqueue(Self.event(5, 2))
        #expect(huge.takeBatch().map(\.tag) == [1])
        #expect(huge.takeBatch().map(\.tag) == [2])
    }

    @Test("A drain request lasts until the queue is empty; settling makes it idle")
    func drainAndSettle() {
        var queue = ClientQueue(capacity: 100, flushAt: 2, maxBatchBytes: 1 << 20)
        for i in 0..<3 { _ = queue.enqueue(Self.event(1, i)) }
        queue.drainRequested = true
        #expect(queue.takeBatch().count == 2)
        #expect(queue.drainRequested)
        #expect(queue.shouldSend)
        #expect(queue.takeBatch().count == 1)
        #expect(!queue.drainRequested)
        #expect(!queue.isIdle)
        queue.settle(2)
        #expect(!queue.isIdle)
        queue.settle(1)
        #expect(queue.isIdle)
    }

    @Test("Capacity and flushAt below 1 are raised to 1")
    func clamps() {
        var queue = ClientQueue(capacity: 0, flushAt: 0, maxBatchBytes: 1 << 20)
        #expect(queue.enqueue(Self.event(1)) == .accepted)
        #expect(queue.enqueue(Self.event(1)) == .full)
        #expect(queue.shouldSend)
        #expect(queue.takeBatch().count == 1)
    }
}
