import Foundation
import PostHogCore
import Testing

@Suite("EventUUID")
struct EventUUIDTests {
    @Test("Validation accepts the 8-4-4-4-12 hexadecimal form in either case, any version")
    func valid() {
        for text in [
            "00000000-0000-4000-8000-000000000001", "0189D5B2-3C4E-7A1B-9C2D-3E4F5A6B7C8D", "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "00000000-0000-0000-0000-000000000000", "e516622c-aaaa-1bbb-8ccc-dddddddddddd",
        ] {
            #expect(EventUUID.isValid(text), "\(text)")
        }
        #expect(EventUUID.isValid(UUID().uuidString))
    }

    @Test(
        "Validation refuses everything else",
        arguments: [
            "", "not-a-uuid",
            "00000000-0000-4000-8000-00000000000", "00000000-0000-4000-8000-0000000000011", "0000000-00000-4000-8000-000000000001",
            "g0000000-0000-4000-8000-000000000001", "00000000_0000_4000_8000_000000000001", " 0000000-0000-4000-8000-000000000001",
            "00000000-0000-4000-8000-00000000000é",
        ])
    func invalid(text: String) {
        #expect(!EventUUID.isValid(text))
        #expect(EventUUID.normalized(text) == nil)
    }

    @Test("normalized lowercases a valid UUID")
    func normalized() {
        #expect(EventUUID.normalized("0189D5B2-3C4E-7A1B-9C2D-3E4F5A6B7C8D") == "0189d5b2-3c4e-7a1b-9c2d-3e4f5a6b7c8d")
        #expect(EventUUID.normalized("abcdef01-2345-6789-abcd-ef0123456789") == "abcdef01-2345-6789-abcd-ef0123456789")
    }

    static func bytes(of uuid: String) -> [UInt8] {
        let hex = uuid.replacingOccurrences(of: "-", with: "")
        return stride(from: 0, to: 32, by: 2).map { i in
            let start = hex.index(hex.startIndex, offsetBy: i)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    @Test("v7: lowercase, version 7, RFC 9562 variant, the Unix milliseconds in the first 48 bits")
    func v7Layout() throws {
        let time = try #require(Timestamp(iso8601: "2025-01-02T03:04:05.678901Z"))
        for _ in 0..<200 {
            let uuid = EventUUID.v7(at: time)
            #expect(EventUUID.isValid(uuid))
            #expect(uuid == uuid.lowercased())
            let b = Self.bytes(of: uuid)
            #expect(b[6] >> 4 == 7, "version nibble of \(uuid)")
            #expect(b[8] >> 6 == 0b10, "variant bits of \(uuid)")
            let ms = b[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            #expect(ms == 1_735_787_045_678)
            #expect(uuid.hasPrefix("019424f8-632e-7"), "\(uuid)")
        }
        // Foundation reads it as a UUID too.
        #expect(UUID(uuidString: EventUUID.v7()) != nil)
    }

    @Test("v7 ids are unique and sort by time")
    func v7Uniqueness() {
        var seen = Set<String>()
        for _ in 0..<20_000 { seen.insert(EventUUID.v7()) }
        #expect(seen.count == 20_000)
        let early = EventUUID.v7(at: Timestamp(microseconds: 1_000_000_000_000_000))
        let late = EventUUID.v7(at: Timestamp(microseconds: 1_000_000_000_001_000))
        #expect(early < late, "a later millisecond sorts later")
    }

    @Test("v7 with a seeded generator is deterministic; before 1970 the time field is zero")
    func v7Deterministic() {
        var a = CoreTestRandom(seed: 1)
        var b = CoreTestRandom(seed: 1)
        let t = Timestamp(microseconds: 1_735_787_045_678_000)
        #expect(EventUUID.v7(at: t, using: &a) == EventUUID.v7(at: t, using: &b))
        var c = CoreTestRandom(seed: 2)
        let old = EventUUID.v7(at: Timestamp(microseconds: -5_000_000), using: &c)
        #expect(old.hasPrefix("00000000-0000-7"), "\(old)")
    }

    @Test("format writes 16 bytes as lowercase 8-4-4-4-12")
    func format() {
        let bytes: [UInt8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10]
        #expect(EventUUID.format(bytes) == "01234567-89ab-cdef-fedc-ba9876543210")
    }
}
