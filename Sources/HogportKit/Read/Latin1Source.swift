/// Transcodes an ISO-8859-1 / Windows-1252 byte source to UTF-8 as it is read.
///
/// Bytes below 0x80 pass through; 0xA0-0xFF are the Latin-1 characters; 0x80-0x9F are
/// Windows-1252's printable characters where it has them (the five it leaves undefined become
/// their Latin-1 control code points, so nothing is lost).
struct Latin1Source: ByteSource {
    var base: any ByteSource
    private var pending: [UInt8] = []

    init(base: any ByteSource) {
        self.base = base
    }

    var rawOffset: Int64 { base.rawOffset }

    mutating func read(into buffer: inout [UInt8], count: Int) throws(InputError) -> Int {
        pending.removeAll(keepingCapacity: true)
        let n = try base.read(into: &pending, count: max(1, count / 2))
        guard n > 0 else { return 0 }
        let before = buffer.count
        for byte in pending {
            if byte < 0x80 {
                buffer.append(byte)
            } else {
                Self.appendUTF8(Self.scalar(for: byte), to: &buffer)
            }
        }
        return buffer.count - before
    }

    /// The code point of a byte >= 0x80.
    static func scalar(for byte: UInt8) -> UInt32 {
        if byte >= 0xA0 { return UInt32(byte) }
        let mapped = windows1252[Int(byte - 0x80)]
        return mapped == 0 ? UInt32(byte) : mapped
    }

    static func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
        if scalar < 0x800 {
            buffer.append(UInt8(0xC0 | (scalar >> 6)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        } else {
            buffer.append(UInt8(0xE0 | (scalar >> 12)))
            buffer.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            buffer.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// Windows-1252 0x80-0x9F; 0 where it defines no character.
    static let windows1252: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]
}
