import PostHogCore

/// The client's queue as a state machine: what is waiting, who waits for space or for a flush, and
/// when the worker should send. Pure; ``PostHogClient`` drives it under a lock.
struct ClientQueue {
    private(set) var events: [EncodedEvent] = []
    private(set) var queuedBytes = 0
    /// Events accepted so far (a sequence number for flush targets).
    private(set) var accepted: UInt64 = 0
    /// Events whose fate is settled: delivered, rejected or reported as failed.
    private(set) var settled: UInt64 = 0
    var drainRequested = false
    private(set) var closed = false
    let capacity: Int
    let flushAt: Int
    let maxBatchBytes: Int

    init(capacity: Int, flushAt: Int, maxBatchBytes: Int) {
        self.capacity = max(1, capacity)
        self.flushAt = max(1, flushAt)
        self.maxBatchBytes = maxBatchBytes
    }

    var hasSpace: Bool { events.count < capacity }
    var isIdle: Bool { settled == accepted }

    enum EnqueueResult: Equatable { case accepted, full, closed }

    mutating func enqueue(_ event: EncodedEvent) -> EnqueueResult {
        if closed { return .closed }
        guard hasSpace else { return .full }
        events.append(event)
        queuedBytes += event.bytes.count
        accepted += 1
        return .accepted
    }

    /// Whether the worker has a batch to send now.
    var shouldSend: Bool { events.count >= flushAt || (!events.isEmpty && (drainRequested || closed || !hasSpace)) }

    /// Removes the next batch: at most `flushAt` events and `maxBatchBytes` bytes (never empty).
    mutating func takeBatch() -> [EncodedEvent] {
        var count = 0
        var bytes = 0
        while count < events.count && count < flushAt {
            let size = events[count].bytes.count + 1
            if count > 0 && bytes + size > maxBatchBytes { break }
            bytes += size
            count += 1
        }
        let batch = Array(events[..<count])
        events.removeFirst(count)
        queuedBytes -= batch.reduce(0) { $0 + $1.bytes.count }
        if events.isEmpty { drainRequested = false }
        return batch
    }

    /// Puts a batch that could not be sent back at the head of the queue (it may overfill the
    /// queue by that batch), to be sent when the host answers again.
    mutating func requeue(_ batch: [EncodedEvent]) {
        events.insert(contentsOf: batch, at: 0)
        drainRequested = true
        queuedBytes += batch.reduce(0) { $0 + $1.bytes.count }
    }

    /// Removes every queued event (to drop them), returning how many there were.
    mutating func takeAll() -> Int {
        let count = events.count
        events.removeAll()
        queuedBytes = 0
        drainRequested = false
        return count
    }

    mutating func settle(_ count: Int) {
        settled += UInt64(count)
    }

    mutating func close() {
        closed = true
    }
}
