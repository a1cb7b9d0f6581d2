/// SHA-1 (FIPS 180-4), incremental and allocation-free until ``finalize()``.
///
/// PostHog buckets feature flags with SHA-1 and name-based UUIDs (version 5) use it too.
/// SHA-1 is not collision resistant; do not use it for security.
///
/// ```swift
/// var sha = SHA1()
/// sha.update("ab".utf8)
/// sha.update("c".utf8)
/// let digest = sha.finalize()   // a9993e36 4706816a ba3e2571 7850c26c 9cd0d89d
/// ```
public struct SHA1: Sendable {
    /// The number of bytes in a digest.
    public static let digestByteCount = 20

    private var h0: UInt32 = 0x6745_2301
    private var h1: UInt32 = 0xEFCD_AB89
    private var h2: UInt32 = 0x98BA_DCFE
    private var h3: UInt32 = 0x1032_5476
    private var h4: UInt32 = 0xC3D2_E1F0
    /// The pending, not yet compressed part of the message (fewer than 64 bytes).
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var blockFill = 0
    private var messageLength: UInt64 = 0

    /// Creates a hasher with the standard initial state.
    public init() {}

    /// Appends `bytes` to the message. Contiguous collections take a fast path.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            self.update(bytes: UnsafeRawBufferPointer(buffer))
        }
        if handled != nil { return }
        for byte in bytes { append(byte) }
    }

    /// Appends the bytes in `bytes` to the message.
    public mutating func update(bytes: UnsafeRawBufferPointer) {
        guard var source = bytes.baseAddress else { return }
        var remaining = bytes.count
        messageLength &+= UInt64(remaining)
        if blockFill > 0 {
            let take = min(64 - blockFill, remaining)
            withUnsafeMutableBytes(of: &block) { buffer in
                buffer.baseAddress!.advanced(by: blockFill).copyMemory(from: source, byteCount: take)
            }
            blockFill += take
            source += take
            remaining -= take
            if blockFill < 64 { return }
            compressPendingBlock()
        }
        while remaining >= 64 {
            compress(source)
            source += 64
            remaining -= 64
        }
        if remaining > 0 {
            withUnsafeMutableBytes(of: &block) { buffer in
                buffer.baseAddress!.copyMemory(from: source, byteCount: remaining)
            }
            blockFill = remaining
        }
    }

    /// Returns the 20-byte digest of everything appended so far. The hasher itself is unchanged.
    public func finalize() -> [UInt8] {
        let words = digestWords()
        var digest = [UInt8]()
        digest.reserveCapacity(Self.digestByteCount)
        for word in [words.0, words.1, words.2, words.3, words.4] {
            digest.append(UInt8(truncatingIfNeeded: word >> 24))
            digest.append(UInt8(truncatingIfNeeded: word >> 16))
            digest.append(UInt8(truncatingIfNeeded: word >> 8))
            digest.append(UInt8(truncatingIfNeeded: word))
        }
        return digest
    }

    /// `digest` (or a prefix of it) as lowercase hex, two digits a byte: how files, ETags and
    /// checkpoint names show a digest.
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The 20-byte SHA-1 digest of `bytes`.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var sha = SHA1()
        sha.update(bytes)
        return sha.finalize()
    }

    /// The first 64 bits of the digest of the concatenation `a + b + c`. Messages of up to 55
    /// bytes (one block) skip the incremental machinery: flag bucketing hashes such short
    /// strings on every evaluation.
    static func leadingBits(
        _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, _ c: UnsafeRawBufferPointer
    ) -> UInt64 {
        let total = a.count + b.count + c.count
        var sha = SHA1()
        if total <= 55 {
            var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &block) { buffer in
                let start = buffer.baseAddress!
                if a.count > 0 { start.copyMemory(from: a.baseAddress!, byteCount: a.count) }
                if b.count > 0 { (start + a.count).copyMemory(from: b.baseAddress!, byteCount: b.count) }
                if c.count > 0 { (start + a.count + b.count).copyMemory(from: c.baseAddress!, byteCount: c.count) }
                buffer[total] = 0x80
                buffer.storeBytes(of: (UInt64(total) &* 8).bigEndian, toByteOffset: 56, as: UInt64.self)
            }
            withUnsafeBytes(of: &block) { sha.compress($0.baseAddress!) }
            return UInt64(sha.h0) << 32 | UInt64(sha.h1)
        }
        sha.update(bytes: a)
        sha.update(bytes: b)
        sha.update(bytes: c)
        let words = sha.digestWords()
        return UInt64(words.0) << 32 | UInt64(words.1)
    }

    /// The digest as five big-endian words, without allocating.
    func digestWords() -> (UInt32, UInt32, UInt32, UInt32, UInt32) {
        var copy = self
        let bitLength = messageLength &* 8
        let fill = blockFill
        withUnsafeMutableBytes(of: &copy.block) { buffer in
            buffer[fill] = 0x80
            for i in (fill + 1)..<64 { buffer[i] = 0 }
        }
        if fill >= 56 {
            copy.compressPendingBlock()
            withUnsafeMutableBytes(of: &copy.block) { buffer in
                for i in 0..<64 { buffer[i] = 0 }
            }
        }
        withUnsafeMutableBytes(of: &copy.block) { buffer in
            buffer.storeBytes(of: bitLength.bigEndian, toByteOffset: 56, as: UInt64.self)
        }
        copy.compressPendingBlock()
        return (copy.h0, copy.h1, copy.h2, copy.h3, copy.h4)
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        let fill = blockFill
        withUnsafeMutableBytes(of: &block) { $0[fill] = byte }
        blockFill = fill + 1
        messageLength &+= 1
        if blockFill == 64 { compressPendingBlock() }
    }

    private mutating func compressPendingBlock() {
        var pending = block
        withUnsafeBytes(of: &pending) { compress($0.baseAddress!) }
        blockFill = 0
    }

    /// One 64-byte block of the SHA-1 compression function.
    private mutating func compress(_ chunk: UnsafeRawPointer) {
        // The working variables live inside the closure: captured ones would be boxed.
        let (a, b, c, d, e) = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            var a = h0, b = h1, c = h2, d = h3, e = h4
            for i in 0..<16 {
                w[i] = UInt32(bigEndian: chunk.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))
            }
            for i in 16..<80 {
                w[i] = Self.rotate(w[i &- 3] ^ w[i &- 8] ^ w[i &- 14] ^ w[i &- 16], 1)
            }
            // Five rounds per step, renaming the working variables instead of shifting them.
            var i = 0
            while i < 20 {
                Self.choose(a, &b, c, d, &e, w[i])
                Self.choose(e, &a, b, c, &d, w[i &+ 1])
                Self.choose(d, &e, a, b, &c, w[i &+ 2])
                Self.choose(c, &d, e, a, &b, w[i &+ 3])
                Self.choose(b, &c, d, e, &a, w[i &+ 4])
                i &+= 5
            }
            while i < 40 {
                Self.parity(a, &b, c, d, &e, w[i], 0x6ED9_EBA1)
                Self.parity(e, &a, b, c, &d, w[i &+ 1], 0x6ED9_EBA1)
                Self.parity(d, &e, a, b, &c, w[i &+ 2], 0x6ED9_EBA1)
                Self.parity(c, &d, e, a, &b, w[i &+ 3], 0x6ED9_EBA1)
                Self.parity(b, &c, d, e, &a, w[i &+ 4], 0x6ED9_EBA1)
                i &+= 5
            }
            while i < 60 {
                Self.majority(a, &b, c, d, &e, w[i])
                Self.majority(e, &a, b, c, &d, w[i &+ 1])
                Self.majority(d, &e, a, b, &c, w[i &+ 2])
                Self.majority(c, &d, e, a, &b, w[i &+ 3])
                Self.majority(b, &c, d, e, &a, w[i &+ 4])
                i &+= 5
            }
            while i < 80 {
                Self.parity(a, &b, c, d, &e, w[i], 0xCA62_C1D6)
                Self.parity(e, &a, b, c, &d, w[i &+ 1], 0xCA62_C1D6)
                Self.parity(d, &e, a, b, &c, w[i &+ 2], 0xCA62_C1D6)
                Self.parity(c, &d, e, a, &b, w[i &+ 3], 0xCA62_C1D6)
                Self.parity(b, &c, d, e, &a, w[i &+ 4], 0xCA62_C1D6)
                i &+= 5
            }
            return (a, b, c, d, e)
        }
        h0 &+= a
        h1 &+= b
        h2 &+= c
        h3 &+= d
        h4 &+= e
    }

    // One round with the roles (a, b, c, d, e): `e += rotl(a, 5) + f(b, c, d) + k + w`, then
    // `b = rotl(b, 30)`. The caller rotates the roles from one round to the next.

    @inline(__always)
    private static func choose(
        _ a: UInt32, _ b: inout UInt32, _ c: UInt32, _ d: UInt32, _ e: inout UInt32, _ w: UInt32
    ) {
        e = e &+ rotate(a, 5) &+ (d ^ (b & (c ^ d))) &+ 0x5A82_7999 &+ w
        b = rotate(b, 30)
    }

    @inline(__always)
    private static func parity(
        _ a: UInt32, _ b: inout UInt32, _ c: UInt32, _ d: UInt32, _ e: inout UInt32, _ w: UInt32, _ k: UInt32
    ) {
        e = e &+ rotate(a, 5) &+ (b ^ c ^ d) &+ k &+ w
        b = rotate(b, 30)
    }

    @inline(__always)
    private static func majority(
        _ a: UInt32, _ b: inout UInt32, _ c: UInt32, _ d: UInt32, _ e: inout UInt32, _ w: UInt32
    ) {
        e = e &+ rotate(a, 5) &+ ((b & c) &+ (d & (b ^ c))) &+ 0x8F1B_BCDC &+ w
        b = rotate(b, 30)
    }

    @inline(__always)
    private static func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x << n) | (x >> (32 &- n))
    }
}
