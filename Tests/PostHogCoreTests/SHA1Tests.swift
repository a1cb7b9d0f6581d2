import PostHogCore
import Testing

@Suite("SHA-1")
struct SHA1Tests {
    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test(
        "FIPS 180 test vectors",
        arguments: [
            ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                    + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "a49b2446a02c645bf419f995b67091253a04a259"
            ),
        ])
    func vectors(_ input: String, _ digest: String) {
        #expect(Self.hex(SHA1.hash(Array(input.utf8))) == digest)
    }

    @Test("hex: two lowercase digits a byte, leading zeros kept, prefixes too")
    func hexText() {
        #expect(SHA1.hex([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(SHA1.hex([]) == "")
        #expect(SHA1.hex(SHA1.hash(Array("".utf8))) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(SHA1.hex(SHA1.hash(Array("abc".utf8)).prefix(6)) == "a9993e364706")
    }

    @Test("a million 'a', in one call and in uneven pieces")
    func millionA() {
        let expected = "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(Self.hex(SHA1.hash(bytes)) == expected)

        var sha = SHA1()
        var offset = 0
        var step = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + step)
            sha.update(bytes[offset..<end])
            offset = end
            step = step % 97 + 13
        }
        #expect(Self.hex(sha.finalize()) == expected)
    }

    @Test("padding boundaries: every length from 0 to 130 agrees across update paths")
    func paddingBoundaries() {
        for length in 0...130 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let oneShot = SHA1.hash(bytes)
            // A non-contiguous sequence takes the byte-at-a-time path.
            var lazy = SHA1()
            lazy.update(bytes.lazy.map { $0 })
            var split = SHA1()
            split.update(bytes.prefix(length / 3))
            split.update(bytes.dropFirst(length / 3))
            #expect(lazy.finalize() == oneShot, "length \(length)")
            #expect(split.finalize() == oneShot, "length \(length)")
            #expect(oneShot.count == 20)
        }
        // 55 and 56 bytes straddle the length field: 56 needs a second block.
        #expect(Self.hex(SHA1.hash([UInt8](repeating: 0x61, count: 55))) == "c1c8bbdc22796e28c0e15163d20899b65621d65a")
        #expect(Self.hex(SHA1.hash([UInt8](repeating: 0x61, count: 56))) == "c2db330f6083854c99d4b5bfb6e8f29f201be699")
    }

    @Test("finalize leaves the hasher usable")
    func finalizeIsNonDestructive() {
        var sha = SHA1()
        sha.update("ab".utf8)
        _ = sha.finalize()
        sha.update("c".utf8)
        #expect(Self.hex(sha.finalize()) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }
}
