/// Flag key → position, looked up with a cheap hash of the UTF-8 bytes and compared by code
/// points (as Python does), instead of Swift's seeded SipHash and canonical-equivalence
/// comparison: a single flag read does this lookup first.
struct FlagKeyTable: Sendable {
    private struct Entry: Sendable {
        let hash: UInt64
        let key: String
        let index: Int
    }

    /// Open addressing with linear probing; the capacity is a power of two at least twice the count.
    private let slots: [Entry?]
    private let mask: Int

    init(_ keys: [String]) {
        var capacity = 8
        while capacity < keys.count * 2 { capacity *= 2 }
        var slots = [Entry?](repeating: nil, count: capacity)
        for (index, key) in keys.enumerated() {
            let hash = Self.hash(key)
            var slot = Int(truncatingIfNeeded: hash) & (capacity - 1)
            while slots[slot] != nil { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Entry(hash: hash, key: key, index: index)
        }
        self.slots = slots
        mask = capacity - 1
    }

    /// The position of `key`, if it is one of the keys.
    func index(of key: String) -> Int? {
        let hash = Self.hash(key)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while let entry = slots[slot] {
            if entry.hash == hash && PythonText.equal(entry.key, key) { return entry.index }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// FNV-1a over the UTF-8 bytes.
    private static func hash(_ key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { bytes in
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in bytes {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
            return hash
        }
    }
}
