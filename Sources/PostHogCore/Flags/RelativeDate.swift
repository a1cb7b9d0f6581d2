/// A relative date filter such as `-7d` or `3m`: that long before now, in UTC.
///
/// The text must match `^-?([0-9]+)([a-z])$` (a final line feed is tolerated, as Python's `$`
/// does), the number must be below 10,000 and the unit one of `h` (hours), `d` (days), `w` (weeks),
/// `m` (calendar months) or `y` (calendar years). Anything else is not a relative date and is then
/// parsed as an absolute one.
struct RelativeDate: Hashable, Sendable {
    enum Unit: Sendable {
        case hours, days, weeks, months, years
    }

    /// What a relative date means at a given instant.
    enum Resolution: Equatable {
        /// The instant, in microseconds since the Unix epoch.
        case instant(Int64)
        /// Out of range for months/years: fall back to absolute parsing, as the SDK does.
        case notRelative
        /// Before year 1: Python raises, and the filter is unusable.
        case invalid
    }

    let number: Int
    let unit: Unit

    init?(parsing text: String) {
        var bytes = Array(text.utf8)[...]
        if bytes.last == UInt8(ascii: "\n") { bytes = bytes.dropLast() }
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        guard bytes.count >= 2, let letter = bytes.last, (0x61...0x7A).contains(letter) else { return nil }
        let digits = bytes.dropLast()
        guard digits.allSatisfy(PythonText.isDigit) else { return nil }
        // Anything with more than five significant digits is at least 10,000.
        let significant = digits.drop(while: { $0 == UInt8(ascii: "0") })
        guard significant.count <= 5 else { return nil }
        let value = significant.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard value < 10_000 else { return nil }
        switch letter {
        case UInt8(ascii: "h"): unit = .hours
        case UInt8(ascii: "d"): unit = .days
        case UInt8(ascii: "w"): unit = .weeks
        case UInt8(ascii: "m"): unit = .months
        case UInt8(ascii: "y"): unit = .years
        default: return nil
        }
        number = value
    }

    /// The instant `number` units before `now` (microseconds since the Unix epoch, UTC).
    func resolve(now: Int64) -> Resolution {
        let hour: Int64 = 3_600_000_000
        switch unit {
        case .hours: return Self.checked(now - Int64(number) * hour)
        case .days: return Self.checked(now - Int64(number) * 24 * hour)
        case .weeks: return Self.checked(now - Int64(number) * 7 * 24 * hour)
        case .months, .years:
            let dayIndex = PythonDateTime.floorDiv(now, PythonDateTime.microsecondsPerDay)
            let timeOfDay = now - dayIndex * PythonDateTime.microsecondsPerDay
            let today = PythonDateTime.civil(fromDays: dayIndex)
            guard let date = unit == .months ? Self.monthsBefore(today, number) : Self.yearsBefore(today, number) else {
                return .notRelative
            }
            let days = PythonDateTime.days(fromCivil: date.year, date.month, date.day)
            return .instant(days * PythonDateTime.microsecondsPerDay + timeOfDay)
        }
    }

    /// Python's datetime range starts at 0001-01-01.
    private static func checked(_ instant: Int64) -> Resolution {
        let firstInstant = PythonDateTime.days(fromCivil: 1, 1, 1) * PythonDateTime.microsecondsPerDay
        return instant >= firstInstant ? .instant(instant) : .invalid
    }

    /// Steps back one month at a time, clamping the day to each month's length on the way
    /// (March 31 minus two months is January 28).
    private static func monthsBefore(_ date: PythonDateTime.ParsedDate, _ months: Int) -> PythonDateTime.ParsedDate? {
        let current = date.year * 12 + date.month - 1
        let target = current - months
        let year = target >= 0 ? target / 12 : (target - 11) / 12
        let month = target - year * 12 + 1
        guard (1...9999).contains(year) else { return nil }
        var day = date.day
        var index = current - 1
        while index >= target, day > 28 {
            day = min(day, PythonDateTime.daysInMonth(index / 12, index % 12 + 1))
            index -= 1
        }
        return PythonDateTime.ParsedDate(year: year, month: month, day: day)
    }

    /// Same month and day `years` earlier; February 29 becomes February 28.
    private static func yearsBefore(_ date: PythonDateTime.ParsedDate, _ years: Int) -> PythonDateTime.ParsedDate? {
        let year = date.year - years
        guard (1...9999).contains(year) else { return nil }
        let day = years > 0 && date.month == 2 && date.day == 29 ? 28 : date.day
        return PythonDateTime.ParsedDate(year: year, month: date.month, day: day)
    }
}
