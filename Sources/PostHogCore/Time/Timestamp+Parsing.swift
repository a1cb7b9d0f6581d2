extension Timestamp {
    /// Parses ISO-8601 / RFC 3339 text and its common relatives.
    ///
    /// Accepted: `2025-01-02`, `2025-01-02T03:04`, `2025-01-02T03:04:05`, with `T` or a space, a
    /// fraction of any length (kept to microseconds), and a zone of `Z`, `+hh:mm`, `+hhmm`, `+hh` or
    /// ` UTC`. Text without a zone is taken as UTC. Returns nil for anything else.
    public init?(iso8601 text: some StringProtocol) {
        var text = String(text)
        guard let value = text.withUTF8({ Self.parseISO8601($0) }) else { return nil }
        self = value
    }

    /// Parses ISO-8601 from raw UTF-8 bytes; see ``init(iso8601:)``.
    public static func parseISO8601(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        var i = 0
        let n = b.count
        while i < n && b[i] == 0x20 { i += 1 }
        var end = n
        while end > i && b[end - 1] == 0x20 { end -= 1 }
        func digits(_ count: Int) -> Int? {
            guard i + count <= end else { return nil }
            var v = 0
            for k in 0..<count {
                let c = b[i + k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += count
            return v
        }
        func accept(_ c: UInt8) -> Bool {
            if i < end && b[i] == c {
                i += 1
                return true
            }
            return false
        }
        guard let year = digits(4), accept(UInt8(ascii: "-")), let month = digits(2), accept(UInt8(ascii: "-")),
            let day = digits(2)
        else { return nil }
        var hour = 0
        var minute = 0
        var second = 0
        var micro = 0
        var offsetSeconds = 0
        if i < end && (b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == 0x20) {
            i += 1
            guard let h = digits(2), accept(UInt8(ascii: ":")), let m = digits(2) else { return nil }
            hour = h
            minute = m
            if accept(UInt8(ascii: ":")) {
                guard let s = digits(2) else { return nil }
                second = s
                if i < end && (b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",")) {
                    i += 1
                    var scale = 100_000
                    var count = 0
                    while i < end, b[i] >= 0x30, b[i] <= 0x39 {
                        micro += Int(b[i] - 0x30) * scale
                        scale /= 10
                        count += 1
                        i += 1
                    }
                    guard count > 0 else { return nil }
                }
            }
            // Zone.
            while i < end && b[i] == 0x20 { i += 1 }
            if i < end {
                let c = b[i]
                if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                    i += 1
                } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                    i += 1
                    guard let oh = digits(2) else { return nil }
                    var om = 0
                    if accept(UInt8(ascii: ":")) {
                        guard let m = digits(2) else { return nil }
                        om = m
                    } else if i < end {
                        guard let m = digits(2) else { return nil }
                        om = m
                    }
                    guard oh <= 23, om <= 59 else { return nil }
                    offsetSeconds = (oh * 3600 + om * 60) * (c == UInt8(ascii: "-") ? -1 : 1)
                } else if end - i == 3, b[i] == UInt8(ascii: "U"), b[i + 1] == UInt8(ascii: "T"), b[i + 2] == UInt8(ascii: "C") {
                    i += 3
                } else {
                    return nil
                }
            }
        }
        guard i == end else { return nil }
        guard var t = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second, microsecond: micro)
        else { return nil }
        t.microseconds -= Int64(offsetSeconds) * 1_000_000
        return t
    }
}
