import PostHogCore
import PostHogKit
import Testing

@Suite("EncodedEvent")
struct EncodedEventTests {
    @Test("A buffer that grew while being written is held at its size, with the same bytes")
    func grownBufferIsTrimmed() {
        var bytes = Array(#"{"event":"e","distinct_id":"u"}"#.utf8)
        bytes.reserveCapacity(4096)
        let event = EncodedEvent(uuid: "u1", bytes: bytes).trimmed()
        #expect(event.bytes == bytes)
        #expect(event.bytes.capacity < 256, "capacity \(event.bytes.capacity) for \(bytes.count) bytes")
    }

    @Test("A buffer already near its size is kept as it is")
    func tightBufferIsKept() {
        let bytes = Array(repeating: UInt8(ascii: "x"), count: 1000)
        let event = EncodedEvent(uuid: "u1", bytes: bytes).trimmed()
        #expect(event.bytes == bytes)
        #expect(event.bytes.withUnsafeBufferPointer { $0.baseAddress } == bytes.withUnsafeBufferPointer { $0.baseAddress })
    }
}
