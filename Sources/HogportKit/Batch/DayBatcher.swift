public import PostHogKit
import PostHogCore

/// Groups encoded events into upload batches: at most `maxEvents` events and `maxBytes` bytes a
/// batch, one UTC day a batch (PostHog asks historical imports for day-sized batches), with
/// several days open at once so that input not sorted by time still fills its batches. A pure
/// value type.
///
/// Bounded: at most `maxOpenDays` batches and `maxHeldBytes` bytes are held; past either, the
/// fullest batch is closed. ``closeOldest()`` closes the batch holding the oldest row, which the
/// pipeline uses to keep the uncommitted stretch of input short.
public struct DayBatcher: Sendable {
    public let maxEvents: Int
    public let maxBytes: Int
    public let maxOpenDays: Int
    public let maxHeldBytes: Int

    private var open: [Int64: UploadBatch] = [:]
    /// Bytes held in open batches.
    public private(set) var heldBytes = 0
    /// Batches closed before they were full because too many days (or bytes) were open, and
    /// their events: the cost of input whose days interleave.
    public private(set) var pressureCloses = 0
    public private(set) var pressureEvents = 0

    public init(maxEvents: Int, maxBytes: Int, maxOpenDays: Int = 32, maxHeldBytes: Int = 12 << 20) {
        self.maxEvents = max(1, maxEvents)
        self.maxBytes = max(1024, maxBytes)
        self.maxOpenDays = max(1, maxOpenDays)
        self.maxHeldBytes = max(self.maxBytes, maxHeldBytes)
    }

    /// Every event added so far and their bytes, to size new batches.
    private var bytesAdded = 0
    private var eventsAdded = 0

    /// What a full batch of events of the average size so far takes (a new batch reserves it,
    /// so it is allocated once instead of doubling its way there).
    private var expectedBatchBytes: Int {
        guard eventsAdded > 0 else { return 4096 }
        return min(maxBytes, (bytesAdded / eventsAdded) * maxEvents + maxEvents)
    }

    /// Whether no events wait in open batches.
    public var isEmpty: Bool { open.isEmpty }

    /// The number of open batches.
    public var openCount: Int { open.count }

    /// The lowest row sequence number held in an open batch.
    public var oldestRow: Int? { open.values.map(\.oldestRow).min() }

    /// Adds an event of `day`; returns the batches this closed (usually none).
    public mutating func add(_ event: EncodedEvent, day: Int64, from source: UploadBatch.Source) -> [UploadBatch] {
        var closed: [UploadBatch] = []
        let size = event.bytes.count + 1
        if let current = open[day], current.bytes + size > maxBytes {
            closed.append(close(day))
        }
        if open[day] == nil {
            if open.count >= maxOpenDays, let fullest = fullestDay() { closed.append(closeUnderPressure(fullest)) }
            open[day] = UploadBatch(day: day, reservingBytes: expectedBatchBytes)
        }
        open[day]!.append(event, from: source)
        heldBytes += size
        (bytesAdded, eventsAdded) = (bytesAdded + size, eventsAdded + 1)
        if open[day]!.events.count >= maxEvents {
            closed.append(close(day))
        }
        while heldBytes > maxHeldBytes, let fullest = fullestDay() {
            closed.append(closeUnderPressure(fullest))
        }
        return closed
    }

    /// Closes the batch holding the oldest row (nil when none is open).
    public mutating func closeOldest() -> UploadBatch? {
        guard let day = open.min(by: { $0.value.oldestRow < $1.value.oldestRow })?.key else { return nil }
        return close(day)
    }

    /// Closes every open batch, oldest row first.
    public mutating func closeAll() -> [UploadBatch] {
        var closed: [UploadBatch] = []
        while let batch = closeOldest() { closed.append(batch) }
        return closed
    }

    private func fullestDay() -> Int64? {
        open.max(by: { ($0.value.bytes, $1.key) < ($1.value.bytes, $0.key) })?.key
    }

    private mutating func closeUnderPressure(_ day: Int64) -> UploadBatch {
        let batch = close(day)
        pressureCloses += 1
        pressureEvents += batch.events.count
        return batch
    }

    private mutating func close(_ day: Int64) -> UploadBatch {
        let batch = open.removeValue(forKey: day)!
        heldBytes -= batch.bytes
        return batch
    }
}
