public import Foundation

/// A UTC instant with microsecond precision, as PostHog stores event times.
///
/// Formatting and parsing work on bytes with no `DateFormatter`, since every imported row goes
/// through them.
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    public init(secondsSince1970 seconds: Double) {
        microseconds = Int64((seconds * 1_000_000).rounded())
    }

    public init(_ date: Date) {
        self.init(secondsSince1970: date.timeIntervalSince1970)
    }

    /// The current time.
    public static func now() -> Timestamp { Timestamp(Date()) }

    /// The instant as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }

    /// Seconds since 1970 as a double.
    public var secondsSince1970: Double { Double(microseconds) / 1_000_000 }

    /// The UTC day number (days since 1970-01-01), for batching by day.
    public var utcDay: Int64 {
        let perDay: Int64 = 86_400_000_000
        return microseconds >= 0 ? microseconds / perDay : (microseconds - perDay + 1) / perDay
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    /// ISO-8601 in UTC: `2025-01-02T03:04:05.678Z`, or with six fraction digits when the instant has
    /// sub-millisecond precision.
    public var iso8601: String {
        var out: [UInt8] = []
        out.reserveCapacity(27)
        appendISO8601(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``iso8601`` to a byte buffer.
    public func appendISO8601(to out: inout [UInt8]) {
        let perSecond: Int64 = 1_000_000
        var seconds = microseconds / perSecond
        var fraction = microseconds % perSecond
        if fraction < 0 {
            fraction += perSecond
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = Self.civil(fromDays: days)
        func two(_ v: Int64) {
            out.append(UInt8(0x30 + v / 10))
            out.append(UInt8(0x30 + v % 10))
        }
        if year < 0 || year > 9999 {
            out.append(contentsOf: String(year).utf8)
        } else {
            two(year / 100)
            two(year % 100)
        }
        out.append(UInt8(ascii: "-"))
        two(month)
        out.append(UInt8(ascii: "-"))
        two(day)
        out.append(UInt8(ascii: "T"))
        two(secondOfDay / 3600)
        out.append(UInt8(ascii: ":"))
        two(secondOfDay / 60 % 60)
        out.append(UInt8(ascii: ":"))
        two(secondOfDay % 60)
        out.append(UInt8(ascii: "."))
        if fraction % 1000 == 0 {
            let ms = fraction / 1000
            out.append(UInt8(0x30 + ms / 100))
            two(ms % 100)
        } else {
            var digits = [UInt8](repeating: 0x30, count: 6)
            var f = fraction
            for i in stride(from: 5, through: 0, by: -1) {
                digits[i] = UInt8(0x30 + f % 10)
                f /= 10
            }
            out.append(contentsOf: digits)
        }
        out.append(UInt8(ascii: "Z"))
    }

    /// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// A proleptic Gregorian date to days since 1970-01-01.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Builds an instant from UTC calendar fields; nil when a field is out of range.
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        guard (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute),
            (0...60).contains(second), (0..<1_000_000).contains(microsecond)
        else { return nil }
        let monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let maxDay = month == 2 && leap ? 29 : monthDays[month - 1]
        guard (1...maxDay).contains(day) else { return nil }
        let days = Self.days(year: Int64(year), month: Int64(month), day: Int64(day))
        let secs = days * 86_400 + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
        microseconds = secs * 1_000_000 + Int64(microsecond)
    }
}

extension Timestamp: CustomStringConvertible {
    public var description: String { iso8601 }
}
