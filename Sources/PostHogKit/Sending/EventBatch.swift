import PostHogCore

/// Encoded events held in one buffer, joined as a `batch` array's contents: one allocation a batch
/// instead of one an event, so thousands of waiting events cost their bytes and little more.
///
/// ``BatchSender/deliver(_:)-(EventBatch)`` sends one as it is; a split or a bisection copies each
/// half once. An event the server refuses is reported as an ``EncodedEvent`` whose `tag` is its
/// index in the batch as first built.
public struct EventBatch: Sendable {
    /// The events, each a compact JSON object, separated by commas.
    public private(set) var joined: [UInt8] = []
    /// `ends[i]` is the offset in `joined` just past event `i`.
    private var ends: [Int32] = []
    /// The index of this batch's first event in the batch it was split from.
    private var firstIndex = 0

    public init() {}

    /// Reserves room for `bytes` bytes of events.
    public init(reservingBytes bytes: Int) {
        joined.reserveCapacity(bytes)
    }

    /// The number of events.
    public var count: Int { ends.count }

    public var isEmpty: Bool { ends.isEmpty }

    /// Appends one encoded event (a compact JSON object). Not generic: called from another
    /// module, a generic append copied byte by byte through the protocol (~5 % of an import).
    public mutating func append(_ event: [UInt8]) {
        if !ends.isEmpty { joined.append(UInt8(ascii: ",")) }
        joined.append(contentsOf: event)
        ends.append(Int32(joined.count))
    }

    /// The bytes of event `index`.
    public subscript(index: Int) -> ArraySlice<UInt8> { joined[range(of: index)] }

    private func range(of index: Int) -> Range<Int> {
        let start = index == 0 ? 0 : Int(ends[index - 1]) + 1
        return start..<Int(ends[index])
    }

    /// The first `count / 2` events and the rest, each in its own buffer.
    func halves() -> (EventBatch, EventBatch) {
        let middle = count / 2
        return (slice(0..<middle), slice(middle..<count))
    }

    private func slice(_ indexes: Range<Int>) -> EventBatch {
        var part = EventBatch()
        part.firstIndex = firstIndex + indexes.lowerBound
        guard !indexes.isEmpty else { return part }
        let start = range(of: indexes.lowerBound).lowerBound
        let end = Int(ends[indexes.upperBound - 1])
        part.joined = Array(joined[start..<end])
        part.ends = ends[indexes].map { $0 - Int32(start) }
        return part
    }

    /// Event `index` as a standalone ``EncodedEvent``, for a report: its uuid read back from its
    /// bytes, its tag the index in the original batch.
    func encodedEvent(at index: Int) -> EncodedEvent {
        let bytes = Array(self[index])
        let uuid = (try? JSONParser.parse(bytes))?["uuid"]?.stringValue ?? ""
        return EncodedEvent(uuid: uuid, bytes: bytes, tag: Int64(firstIndex + index))
    }
}
