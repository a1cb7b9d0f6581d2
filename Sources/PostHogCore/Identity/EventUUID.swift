/// UUID text helpers for event ids: validation, normalisation and UUIDv7 generation.
///
/// PostHog accepts any UUID that parses; an unparsable one fails the whole batch with 400, so
/// every id is checked here before it is sent.
public enum EventUUID {
    /// Whether `text` is a UUID in the 8-4-4-4-12 hexadecimal form (either case); see
    /// ``normalized(_:)`` for the other accepted forms.
    public static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { check($0) != nil }
    }

    /// Checks the 8-4-4-4-12 form; returns whether any letter is uppercase, or nil when invalid.
    static func check(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard utf8.count == 36 else { return nil }
        var upper = false
        for i in 0..<36 {
            let c = utf8[i]
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if c != UInt8(ascii: "-") { return nil }
            } else if c >= 0x41 && c <= 0x46 {
                upper = true
            } else if !Self.isHex(c) {
                return nil
            }
        }
        return upper
    }

    /// The lowercase hyphenated form of a UUID, or nil when `text` is not one.
    ///
    /// Besides `8-4-4-4-12`, the forms PostHog's server also accepts are read: 32 hex digits,
    /// `{…}` braces and a `urn:uuid:` prefix.
    public static func normalized(_ text: String) -> String? {
        var copy = text
        if let upper = copy.withUTF8({ check($0) }) { return upper ? text.lowercased() : text }
        var body = Substring(text)
        if body.count == 45, body.lowercased().hasPrefix("urn:uuid:") { body = body.dropFirst(9) }
        if body.count == 38, body.first == "{", body.last == "}" { body = body.dropFirst().dropLast() }
        if body.count == 36 {
            var inner = String(body)
            return inner.withUTF8({ check($0) }) != nil ? inner.lowercased() : nil
        }
        guard body.count == 32, body.utf8.allSatisfy(isHex) else { return nil }
        let hex = Array(body.lowercased())
        return String(hex[0..<8]) + "-" + String(hex[8..<12]) + "-" + String(hex[12..<16]) + "-" + String(hex[16..<20]) + "-" + String(hex[20..<32])
    }

    @inline(__always)
    static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
    }

    /// A new time-ordered UUIDv7 in lowercase.
    public static func v7(at time: Timestamp = .now()) -> String {
        var rng = SystemRandomNumberGenerator()
        return v7(at: time, using: &rng)
    }

    /// A UUIDv7 for `time` with random bits from `generator`.
    public static func v7(at time: Timestamp, using generator: inout some RandomNumberGenerator) -> String {
        let ms = UInt64(max(0, time.microseconds / 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: ms >> (40 - 8 * UInt64(i))) }
        let r1 = generator.next()
        let r2 = generator.next()
        for i in 0..<8 { bytes[6 + i] = UInt8(truncatingIfNeeded: r1 >> (8 * UInt64(i))) }
        for i in 0..<2 { bytes[14 + i] = UInt8(truncatingIfNeeded: r2 >> (8 * UInt64(i))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return format(bytes)
    }

    /// Formats 16 bytes as a lowercase 8-4-4-4-12 UUID.
    public static func format(_ bytes: some Collection<UInt8>) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, b) in bytes.prefix(16).enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
