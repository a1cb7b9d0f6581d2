public import PostHogCore
import PostHogKit

/// How a row's timestamp is written.
///
/// `auto` reads ISO-8601 (with or without fraction and zone; `T` or a space; no zone = UTC) and
/// epoch numbers, whose unit it takes from their size: below 10^11 seconds, below 10^14
/// milliseconds, else microseconds. A declared unit or a `strftime`-style pattern removes the guess.
public enum TimestampFormat: Sendable, Equatable {
    case auto
    case iso8601
    case epochSeconds
    case epochMilliseconds
    case epochMicroseconds
    case epochNanoseconds
    /// A pattern of `%Y %m %d %H %M %S %f %z %%` and literal characters, read as UTC unless it
    /// has `%z`.
    case pattern(String)

    /// Parses the names used in mapping files: `auto`, `iso8601`, `epoch_s`, `epoch_ms`, `epoch_us`,
    /// `epoch_ns`, or a pattern containing `%`.
    public init?(name: String) {
        switch name {
        case "auto": self = .auto
        case "iso8601", "iso", "rfc3339": self = .iso8601
        case "epoch_s", "epoch", "seconds", "unix": self = .epochSeconds
        case "epoch_ms", "milliseconds": self = .epochMilliseconds
        case "epoch_us", "microseconds": self = .epochMicroseconds
        case "epoch_ns", "nanoseconds": self = .epochNanoseconds
        default:
            guard name.contains("%") else { return nil }
            self = .pattern(name)
        }
    }

    /// Reads `value`; throws a reason fit for the rejects file.
    public func parse(_ value: JSONValue) throws(MappingError) -> Timestamp {
        switch value {
        case .int(let i): return try epoch(Double(i), exact: i)
        case .double(let d): return try epoch(d, exact: nil)
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: " ")
            if case .pattern(let pattern) = self {
                guard let t = TimestampPattern.parse(trimmed, pattern: pattern) else {
                    throw MappingError("timestamp '\(text)' does not match the pattern '\(pattern)'")
                }
                return t
            }
            if self != .iso8601, let first = trimmed.utf8.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
                trimmed.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }),
                !trimmed.dropFirst().contains("-")
            {
                if let i = Int64(trimmed) { return try epoch(Double(i), exact: i) }
                if let d = Double(trimmed) { return try epoch(d, exact: nil) }
            }
            guard self == .auto || self == .iso8601 else {
                throw MappingError("timestamp '\(text)' is not an epoch number")
            }
            guard let t = Timestamp(iso8601: trimmed) else {
                throw MappingError("unparseable timestamp '\(text)'")
            }
            return t
        case .null: throw MappingError("the timestamp is null")
        default: throw MappingError("the timestamp is a \(value.typeName), not a string or number")
        }
    }

    private func epoch(_ value: Double, exact: Int64?) throws(MappingError) -> Timestamp {
        guard value.isFinite else { throw MappingError("the timestamp is not a finite number") }
        let micros: Double
        switch self {
        case .epochSeconds: micros = value * 1e6
        case .epochMilliseconds: micros = value * 1e3
        case .epochMicroseconds: micros = value
        case .epochNanoseconds: micros = value / 1e3
        case .auto:
            let magnitude = abs(value)
            if magnitude < 1e11 {
                micros = value * 1e6
            } else if magnitude < 1e14 {
                micros = value * 1e3
            } else {
                micros = value
            }
        case .iso8601: throw MappingError("the timestamp is a number, but the mapping declares ISO-8601")
        case .pattern(let p): throw MappingError("the timestamp is a number, but the mapping declares the pattern '\(p)'")
        }
        // Years 0001..9999 only: anything else is a unit mix-up, not a time.
        guard micros > -62_135_596_800e6, micros < 253_402_300_800e6 else {
            throw MappingError("the timestamp \(exact.map(String.init) ?? String(value)) is out of range (wrong unit?)")
        }
        if let exact, self == .epochMicroseconds || (self == .auto && abs(value) >= 1e14) {
            return Timestamp(microseconds: exact)
        }
        if let exact, self == .epochMilliseconds || (self == .auto && abs(value) >= 1e11 && abs(value) < 1e14) {
            return Timestamp(microseconds: exact * 1000)
        }
        return Timestamp(microseconds: Int64(micros.rounded()))
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        // Nearly every timestamp has nothing to trim: look at the bytes before anything else.
        if let first = utf8.first, let last = utf8.last, first != 0x20, first != 0x09, last != 0x20, last != 0x09 { return self }
        var s = Substring(self)
        while s.first == set || s.first == "\t" { s.removeFirst() }
        while s.last == set || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}

/// `strftime`-style patterns for timestamps written in an unusual form.
enum TimestampPattern {
    static func parse(_ text: String, pattern: String) -> Timestamp? {
        let t = Array(text.utf8)
        let p = Array(pattern.utf8)
        var i = 0
        var j = 0
        var year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, micro = 0, offset = 0
        func number(maxDigits: Int) -> Int? {
            var v = 0
            var n = 0
            while i < t.count, n < maxDigits, t[i] >= 0x30, t[i] <= 0x39 {
                v = v * 10 + Int(t[i] - 0x30)
                i += 1
                n += 1
            }
            return n == 0 ? nil : v
        }
        while j < p.count {
            if p[j] == UInt8(ascii: "%") && j + 1 < p.count {
                let spec = p[j + 1]
                j += 2
                switch spec {
                case UInt8(ascii: "Y"):
                    guard let v = number(maxDigits: 4) else { return nil }
                    year = v
                case UInt8(ascii: "m"):
                    guard let v = number(maxDigits: 2) else { return nil }
                    month = v
                case UInt8(ascii: "d"):
                    guard let v = number(maxDigits: 2) else { return nil }
                    day = v
                case UInt8(ascii: "H"):
                    guard let v = number(maxDigits: 2) else { return nil }
                    hour = v
                case UInt8(ascii: "M"):
                    guard let v = number(maxDigits: 2) else { return nil }
                    minute = v
                case UInt8(ascii: "S"):
                    guard let v = number(maxDigits: 2) else { return nil }
                    second = v
                case UInt8(ascii: "f"):
                    var scale = 100_000
                    var n = 0
                    while i < t.count, t[i] >= 0x30, t[i] <= 0x39 {
                        micro += Int(t[i] - 0x30) * scale
                        scale /= 10
                        i += 1
                        n += 1
                    }
                    if n == 0 { return nil }
                case UInt8(ascii: "z"):
                    guard i < t.count else { return nil }
                    if t[i] == UInt8(ascii: "Z") {
                        i += 1
                    } else {
                        guard t[i] == UInt8(ascii: "+") || t[i] == UInt8(ascii: "-") else { return nil }
                        let sign = t[i] == UInt8(ascii: "-") ? -1 : 1
                        i += 1
                        guard let h = number(maxDigits: 2) else { return nil }
                        if i < t.count && t[i] == UInt8(ascii: ":") { i += 1 }
                        let m = number(maxDigits: 2) ?? 0
                        offset = sign * (h * 3600 + m * 60)
                    }
                case UInt8(ascii: "%"):
                    guard i < t.count, t[i] == UInt8(ascii: "%") else { return nil }
                    i += 1
                default:
                    return nil
                }
            } else {
                guard i < t.count, t[i] == p[j] else { return nil }
                i += 1
                j += 1
            }
        }
        guard i == t.count else { return nil }
        guard var ts = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second, microsecond: micro) else {
            return nil
        }
        ts.microseconds -= Int64(offset) * 1_000_000
        return ts
    }
}
