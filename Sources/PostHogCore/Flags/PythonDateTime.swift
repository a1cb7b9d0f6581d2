/// Date parsing as posthog-python does it for `is_date_before` / `is_date_after`: its
/// `parse_datetime` pre-processing followed by CPython 3.11's C `datetime.fromisoformat`.
///
/// Instants are microseconds since 1970-01-01T00:00:00Z; naive times are taken as UTC.
enum PythonDateTime {
    static let microsecondsPerSecond: Int64 = 1_000_000
    static let microsecondsPerDay: Int64 = 86_400_000_000

    /// posthog-python's `parse_datetime(value)` made timezone-aware. `nil` when Python raises.
    ///
    /// A bare four-digit year means that year on today's month and day (from `now`).
    static func parse(_ value: String, now: Int64) -> Int64? {
        var value = value
        if let instant = value.withUTF8({ bytes -> Int64?? in
            bytes.allSatisfy({ $0 < 0x80 }) ? .some(parseASCII(bytes, now: now)) : nil
        }) {
            return instant
        }
        let stripped = PythonText.strip(value).unicodeScalars
        var text = Array(stripped)
        if text.last == "Z" {
            text.removeLast()
            text.append(contentsOf: "+00:00".unicodeScalars)
        } else if text.count >= 4, hasUTCSuffix(text) {
            text.removeLast(4)
            text.append(contentsOf: "+00:00".unicodeScalars)
        } else if text.count == 4, text.allSatisfy({ PythonText.decimalDigitValue($0) != nil }) {
            return bareYear(text.reduce(0) { $0 * 10 + PythonText.decimalDigitValue($1)! }, now: now)
        }
        removeSpaceBeforeOffset(&text)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        for scalar in text { bytes.append(contentsOf: UTF8.encode(scalar)!) }
        return bytes.withUnsafeBufferPointer { fromISOFormat($0, codePointCount: text.count) }
    }

    /// ``parse(_:now:)`` for ASCII text, on its bytes (each byte is one code point), without
    /// allocating: the rewritten text is built in a stack buffer.
    private static func parseASCII(_ input: UnsafeBufferPointer<UInt8>, now: Int64) -> Int64? {
        func isSpace(_ b: UInt8) -> Bool { (0x09...0x0D).contains(b) || (0x1C...0x20).contains(b) }
        var start = 0
        var end = input.count
        while start < end, isSpace(input[start]) { start += 1 }
        while end > start, isSpace(input[end - 1]) { end -= 1 }
        let n = end - start
        if n == 4 && input[start..<end].allSatisfy(PythonText.isDigit) {
            return bareYear(input[start..<end].reduce(0) { $0 * 10 + Int($1 - 0x30) }, now: now)
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n + 6) { buffer -> Int64? in
            var m = n
            for i in 0..<n { buffer[i] = input[start + i] }
            // A trailing "Z" or " UTC" (any case) becomes "+00:00".
            if m > 0 && buffer[m - 1] == UInt8(ascii: "Z") {
                m -= 1
            } else if m >= 4, buffer[m - 4] == 0x20, buffer[m - 3] | 0x20 == 0x75, buffer[m - 2] | 0x20 == 0x74,
                buffer[m - 1] | 0x20 == 0x63
            {
                m -= 4
            } else {
                m = -1
            }
            if m >= 0 {
                for (offset, byte) in "+00:00".utf8.enumerated() { buffer[m + offset] = byte }
                m += 6
            } else {
                m = n
            }
            // " +HH:MM" at the end loses its space.
            if m >= 7, buffer[m - 7] == 0x20, buffer[m - 6] == UInt8(ascii: "+") || buffer[m - 6] == UInt8(ascii: "-"),
                PythonText.isDigit(buffer[m - 5]), PythonText.isDigit(buffer[m - 4]), buffer[m - 3] == UInt8(ascii: ":"),
                PythonText.isDigit(buffer[m - 2]), PythonText.isDigit(buffer[m - 1])
            {
                for i in (m - 7)..<(m - 1) { buffer[i] = buffer[i + 1] }
                m -= 1
            }
            return fromISOFormat(UnsafeBufferPointer(rebasing: buffer[0..<m]), codePointCount: m)
        }
    }

    /// A bare year means that year on today's month and day (invalid on February 29 of a common year).
    private static func bareYear(_ year: Int, now: Int64) -> Int64? {
        let today = civil(fromDays: floorDiv(now, microsecondsPerDay))
        guard (1...9999).contains(year), today.day <= daysInMonth(year, today.month) else { return nil }
        return days(fromCivil: year, today.month, today.day) * microsecondsPerDay
    }

    /// `text.upper().endswith(" UTC")`: only ASCII letters upper-case to U, T and C.
    private static func hasUTCSuffix(_ text: [Unicode.Scalar]) -> Bool {
        let tail = text.suffix(4).map { $0.value }
        return tail[tail.startIndex] == 0x20
            && (tail[tail.startIndex + 1] | 0x20) == 0x75
            && (tail[tail.startIndex + 2] | 0x20) == 0x74
            && (tail[tail.startIndex + 3] | 0x20) == 0x63
    }

    /// `re.sub(r" ([+-]\d{2}:\d{2})$", r"\1", text)`. Non-ASCII digits are left alone: the offset
    /// cannot parse with them anyway.
    private static func removeSpaceBeforeOffset(_ text: inout [Unicode.Scalar]) {
        let n = text.count
        guard n >= 7 else { return }
        let t = Array(text[(n - 7)...])
        func digit(_ s: Unicode.Scalar) -> Bool { s.value &- 0x30 < 10 }
        if t[0] == " ", t[1] == "+" || t[1] == "-", digit(t[2]), digit(t[3]), t[4] == ":", digit(t[5]), digit(t[6]) {
            text.remove(at: n - 7)
        }
    }

    // MARK: CPython 3.11 datetime.fromisoformat (C implementation)

    /// Emulates `_datetimemodule.c` byte for byte, including its reads of the terminating NUL.
    static func fromISOFormat(_ bytes: UnsafeBufferPointer<UInt8>, codePointCount: Int) -> Int64? {
        guard codePointCount >= 7 else { return nil }
        let reader = NulTerminated(bytes: bytes)
        let length = bytes.count
        guard let separator = reader.findSeparator(length: length) else { return nil }
        guard let date = reader.parseDate(length: separator) else { return nil }
        var time = ParsedTime()
        if length > separator {
            // The separator may be any character: skip all of its UTF-8 bytes, judged by the lead byte.
            let lead = reader.at(separator)
            let width = lead & 0x80 == 0 ? 1 : (lead & 0xF0 == 0xE0 ? 3 : (lead & 0xF0 == 0xF0 ? 4 : 2))
            let start = separator + width
            guard let parsed = reader.parseTime(from: start, length: length - start) else { return nil }
            time = parsed
        }
        guard (1...9999).contains(date.year), (1...12).contains(date.month),
            (1...daysInMonth(date.year, date.month)).contains(date.day),
            (0...23).contains(time.hour), (0...59).contains(time.minute), (0...59).contains(time.second)
        else { return nil }
        var offset: Int64 = 0
        if time.hasOffset && time.offsetSeconds != 0 {
            offset = Int64(time.offsetSeconds) * microsecondsPerSecond + Int64(time.offsetMicroseconds)
            guard abs(offset) < microsecondsPerDay else { return nil }
        }
        let day = days(fromCivil: date.year, date.month, date.day)
        let clock =
            (Int64(time.hour) * 3600 + Int64(time.minute) * 60 + Int64(time.second)) * microsecondsPerSecond
            + Int64(time.microsecond)
        return day * microsecondsPerDay + clock - offset
    }

    struct ParsedDate {
        var year: Int
        var month: Int
        var day: Int
    }

    struct ParsedTime {
        var hour = 0
        var minute = 0
        var second = 0
        var microsecond = 0
        var hasOffset = false
        var offsetSeconds = 0
        var offsetMicroseconds = 0
    }

    /// A byte string read the way C reads a NUL-terminated buffer.
    private struct NulTerminated {
        let bytes: UnsafeBufferPointer<UInt8>

        @inline(__always)
        func at(_ i: Int) -> UInt8 { i >= 0 && i < bytes.count ? bytes[i] : 0 }

        @inline(__always)
        func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

        /// `parse_digits`: exactly `count` ASCII digits from `p`.
        func digits(_ p: inout Int, _ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                let c = at(p)
                guard isDigit(c) else { return nil }
                value = value * 10 + Int(c - 0x30)
                p += 1
            }
            return value
        }

        /// `_find_isoformat_datetime_separator`.
        func findSeparator(length len: Int) -> Int? {
            if len == 7 { return 7 }
            if at(4) == UInt8(ascii: "-") {
                guard at(5) == UInt8(ascii: "W") else { return 10 }
                if len > 8 && at(8) == UInt8(ascii: "-") {
                    if len == 9 { return nil }
                    if len > 10 && isDigit(at(10)) { return 8 }
                    return 10
                }
                return 8
            }
            guard at(4) == UInt8(ascii: "W") else { return 8 }
            var idx = 7
            while idx < len, isDigit(at(idx)) { idx += 1 }
            if idx < 9 { return idx }
            return idx % 2 == 0 ? 7 : 8
        }

        /// `parse_isoformat_date`.
        func parseDate(length len: Int) -> ParsedDate? {
            var p = 0
            guard let year = digits(&p, 4) else { return nil }
            let usesSeparator = at(p) == UInt8(ascii: "-")
            if usesSeparator { p += 1 }
            if at(p) == UInt8(ascii: "W") {
                p += 1
                guard let week = digits(&p, 2) else { return nil }
                var weekday = 1
                if p < len {
                    if usesSeparator {
                        let c = at(p)
                        p += 1
                        guard c == UInt8(ascii: "-") else { return nil }
                    }
                    guard let d = digits(&p, 1) else { return nil }
                    weekday = d
                }
                return PythonDateTime.isoWeekDate(year: year, week: week, weekday: weekday)
            }
            guard let month = digits(&p, 2) else { return nil }
            if usesSeparator {
                let c = at(p)
                p += 1
                guard c == UInt8(ascii: "-") else { return nil }
            }
            guard let day = digits(&p, 2) else { return nil }
            return ParsedDate(year: year, month: month, day: day)
        }

        /// `parse_hh_mm_ss_ff` over `[start, end)`: 0 done, 1 more follows, `nil` an error.
        func parseClock(from start: Int, to end: Int) -> (status: Int, values: (Int, Int, Int, Int))? {
            var values = [0, 0, 0]
            var microsecond = 0
            var p = start
            var hasSeparator = true
            var component = 0
            while component < 3 {
                guard let v = digits(&p, 2) else { return nil }
                values[component] = v
                let c = at(p)
                p += 1
                if component == 0 { hasSeparator = c == UInt8(ascii: ":") }
                if p >= end {
                    return (c != 0 ? 1 : 0, (values[0], values[1], values[2], 0))
                } else if hasSeparator && c == UInt8(ascii: ":") {
                    component += 1
                    continue
                } else if c == UInt8(ascii: ".") || c == UInt8(ascii: ",") {
                    break
                } else if !hasSeparator {
                    p -= 1
                } else {
                    return nil
                }
                component += 1
            }
            let toParse = min(end - p, 6)
            guard toParse > 0, let fraction = digits(&p, toParse) else { return nil }
            microsecond = fraction
            let correction = [100_000, 10_000, 1_000, 100, 10]
            if toParse < 6 { microsecond *= correction[toParse - 1] }
            while isDigit(at(p)) { p += 1 }
            return (at(p) != 0 ? 1 : 0, (values[0], values[1], values[2], microsecond))
        }

        /// `parse_isoformat_time`.
        func parseTime(from start: Int, length: Int) -> ParsedTime? {
            let end = start + length
            var tz = start
            repeat {
                let c = at(tz)
                if c == UInt8(ascii: "Z") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { break }
                tz += 1
            } while tz < end
            guard let clock = parseClock(from: start, to: tz) else { return nil }
            var time = ParsedTime(
                hour: clock.values.0, minute: clock.values.1, second: clock.values.2, microsecond: clock.values.3)
            if tz == end {
                return clock.status == 1 ? nil : time
            }
            time.hasOffset = true
            if at(tz) == UInt8(ascii: "Z") {
                return at(tz + 1) != 0 ? nil : time
            }
            let sign = at(tz) == UInt8(ascii: "-") ? -1 : 1
            guard let offset = parseClock(from: tz + 1, to: end), offset.status == 0 else { return nil }
            time.offsetSeconds = sign * (offset.values.0 * 3600 + offset.values.1 * 60 + offset.values.2)
            time.offsetMicroseconds = sign * offset.values.3
            return time
        }
    }

    /// `iso_to_ymd`: an ISO week date as a calendar date.
    static func isoWeekDate(year: Int, week: Int, weekday: Int) -> ParsedDate? {
        if week <= 0 || week >= 53 {
            guard week == 53 else { return nil }
            // Python's ordinal of January 1st, modulo 7 (Monday of 0001-01-01 is ordinal 1).
            let firstWeekday = Int(floorMod(ordinal(year, 1, 1), 7))
            guard firstWeekday == 4 || (firstWeekday == 3 && isLeap(year)) else { return nil }
        }
        guard (1...7).contains(weekday) else { return nil }
        let jan1 = ordinal(year, 1, 1)
        let jan1Weekday = floorMod(jan1 + 6, 7)  // 0 = Monday
        var week1Monday = jan1 - jan1Weekday
        if jan1Weekday > 3 { week1Monday += 7 }
        let target = week1Monday + Int64((week - 1) * 7 + weekday - 1)
        let c = civil(fromDays: target - 719_163)
        return ParsedDate(year: c.year, month: c.month, day: c.day)
    }

    // MARK: Calendar arithmetic (proleptic Gregorian)

    static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Python's proleptic ordinal: 0001-01-01 is 1.
    static func ordinal(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        days(fromCivil: year, month, day) + 719_163
    }

    /// Days since 1970-01-01.
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The calendar date `days` after 1970-01-01.
    static func civil(fromDays days: Int64) -> ParsedDate {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return ParsedDate(year: Int(year), month: Int(month), day: Int(day))
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        a - floorDiv(a, b) * b
    }
}
