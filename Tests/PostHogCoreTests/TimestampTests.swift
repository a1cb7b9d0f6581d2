import Foundation
import PostHogCore
import Testing

@Suite("Timestamp")
struct TimestampTests {
    /// 2025-01-02T03:04:05Z in microseconds.
    static let base: Int64 = 1_735_787_045_000_000

    static func ts(_ text: String) -> Int64? { Timestamp(iso8601: text)?.microseconds }

    // MARK: Formatting

    @Test("ISO-8601 with milliseconds when the instant has none finer")
    func formatMilliseconds() {
        #expect(Timestamp(microseconds: Self.base).iso8601 == "2025-01-02T03:04:05.000Z")
        #expect(Timestamp(microseconds: Self.base + 678_000).iso8601 == "2025-01-02T03:04:05.678Z")
        #expect(Timestamp(microseconds: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(microseconds: 951_782_400_000_000).iso8601 == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp(microseconds: 253_402_300_799_999_000).iso8601 == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp(microseconds: Self.base).description == "2025-01-02T03:04:05.000Z")
    }

    @Test("ISO-8601 with microseconds when the instant has them")
    func formatMicroseconds() {
        #expect(Timestamp(microseconds: Self.base + 678_901).iso8601 == "2025-01-02T03:04:05.678901Z")
        #expect(Timestamp(microseconds: Self.base + 1).iso8601 == "2025-01-02T03:04:05.000001Z")
        #expect(Timestamp(microseconds: Self.base + 120).iso8601 == "2025-01-02T03:04:05.000120Z")
    }

    @Test("Instants before 1970 format with a positive fraction")
    func formatBefore1970() {
        #expect(Timestamp(microseconds: -1).iso8601 == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamp(microseconds: -1000).iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(microseconds: -86_400_000_000).iso8601 == "1969-12-31T00:00:00.000Z")
        #expect(Timestamp(microseconds: -2_208_988_800_000_000).iso8601 == "1900-01-01T00:00:00.000Z")
        #expect(Timestamp(microseconds: -62_135_596_800_000_000).iso8601 == "0001-01-01T00:00:00.000Z")
    }

    @Test("appendISO8601 appends exactly iso8601's bytes")
    func append() {
        var out = Array("x".utf8)
        Timestamp(microseconds: Self.base + 5).appendISO8601(to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x" + Timestamp(microseconds: Self.base + 5).iso8601)
    }

    @Test("Calendar fields match Foundation's Gregorian calendar for 20000 random instants (1600-9999)")
    func calendarAgainstFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var rng = CoreTestRandom(seed: 0x7153)
        let low: Int64 = -11_676_096_000  // 1600-01-01
        let high: Int64 = 253_402_300_799  // 9999-12-31T23:59:59
        for _ in 0..<20_000 {
            let seconds = Int64.random(in: low...high, using: &rng)
            let text = Timestamp(microseconds: seconds * 1_000_000).iso8601
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.000Z", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
            if text != expected {
                Issue.record("\(seconds): \(text) vs Foundation's \(expected)")
                return
            }
        }
    }

    // MARK: Parsing

    @Test(
        "Accepted forms",
        arguments: [
            ("2025-01-02T03:04:05Z", base),
            ("2025-01-02T03:04:05z", base),
            ("2025-01-02t03:04:05Z", base),
            ("2025-01-02T03:04:05.678Z", base + 678_000),
            ("2025-01-02T03:04:05,678Z", base + 678_000),
            ("2025-01-02T03:04:05.678901Z", base + 678_901),
            ("2025-01-02 03:04:05", base),
            ("2025-01-02 03:04:05.5 UTC", base + 500_000),
            ("2025-01-02T03:04:05", base),
            ("2025-01-02T03:04", base - 5_000_000),
            ("2025-01-02", base - 11_045_000_000),
            ("  2025-01-02T03:04:05Z  ", base),
            // Zones: +hh:mm, +hhmm, +hh, negative.
            ("2025-01-02T05:04:05+02:00", base),
            ("2025-01-02T05:04:05+0200", base),
            ("2025-01-02T05:04:05+02", base),
            ("2025-01-02T08:34:05.678+05:30", base + 678_000),
            ("2025-01-01T22:04:05-05:00", base),
            ("2025-01-01T22:04:05-0500", base),
            ("2025-01-01T22:04:05-05", base),
            ("2025-01-02T03:04:05+00:00", base),
            ("2025-01-02T03:04:05 +01:00", base - 3_600_000_000),
            ("2025-01-02T03:04:05.123456+00:00", base + 123_456),
        ] as [(String, Int64)])
    func parseAccepted(text: String, expected: Int64) {
        #expect(Self.ts(text) == expected, "\(text)")
    }

    @Test("Fractions of 1 to 9 digits, kept to the microsecond")
    func fractions() {
        let digits = "123456789"
        let expected: [Int64] = [100_000, 120_000, 123_000, 123_400, 123_450, 123_456, 123_456, 123_456, 123_456]
        for count in 1...9 {
            let text = "2025-01-02T03:04:05.\(digits.prefix(count))Z"
            #expect(Self.ts(text) == Self.base + expected[count - 1], "\(text)")
        }
        #expect(Self.ts("2025-01-02T03:04:05.000000001Z") == Self.base)
        #expect(Self.ts("2025-01-02T03:04:05.999999999Z") == Self.base + 999_999)
    }

    @Test("Leap days and a leap second")
    func calendarEdges() {
        #expect(Self.ts("2024-02-29T00:00:00Z") == 1_709_164_800_000_000)
        #expect(Self.ts("2000-02-29") == 951_782_400_000_000)
        #expect(Self.ts("2016-12-31T23:59:60Z") == Self.ts("2017-01-01T00:00:00Z"))
    }

    @Test(
        "Junk and invalid dates are refused",
        arguments: [
            "", " ", "junk", "2025", "2025-01", "2025-1-02", "25-01-02", "2025/01/02", "2025-01-02T", "2025-01-02T03",
            "2025-01-02T3:04:05Z", "2025-01-02T03:04:5Z", "2025-01-02T03:04:05.Z", "2025-01-02T03:04:05ZZ",
            "2025-01-02T03:04:05+2", "2025-01-02T03:04:05+02:0", "2025-01-02T03:04:05+020", "2025-01-02T03:04:05+24:00",
            "2025-01-02T03:04:05+02:60", "2025-01-02T03:04:05 GMT", "2025-01-02T03:04:05Zjunk", "2025-01-02X03:04:05Z",
            "2025-02-30", "2025-02-29", "2100-02-29", "2025-04-31", "2025-13-01", "2025-00-10", "2025-01-00", "2025-01-32",
            "2025-01-02T24:00:00Z", "2025-01-02T23:60:00Z", "2025-01-02T23:59:61Z", "１９９９-01-01", "2025-01-02T03:04:05.12a",
            "1735787045", "Thu, 02 Jan 2025 03:04:05 GMT",
        ])
    func parseRefused(text: String) {
        #expect(Timestamp(iso8601: text) == nil, "\(text.debugDescription) parsed to \(Timestamp(iso8601: text).map(\.iso8601) ?? "")")
    }

    @Test("Parsing from a Substring and from raw bytes")
    func parseEntryPoints() {
        let line = "ts=2025-01-02T03:04:05.678Z;"
        let slice = line.dropFirst(3).dropLast()
        #expect(Timestamp(iso8601: slice)?.microseconds == Self.base + 678_000)
        let bytes = Array("2025-01-02T03:04:05Z".utf8)
        #expect(bytes.withUnsafeBufferPointer { Timestamp.parseISO8601($0) }?.microseconds == Self.base)
    }

    @Test("Format → parse round trip over 30000 random instants from year 1 to 9999, pre-1970 included")
    func roundTrip() {
        var rng = CoreTestRandom(seed: 0x7157)
        let low: Int64 = -62_135_596_800_000_000  // 0001-01-01
        let high: Int64 = 253_402_300_799_999_999  // 9999-12-31T23:59:59.999999
        for i in 0..<30_000 {
            var micros = Int64.random(in: low...high, using: &rng)
            if i % 3 == 0 { micros -= micros % 1000 }  // millisecond instants take the short form
            let t = Timestamp(microseconds: micros)
            guard let back = Timestamp(iso8601: t.iso8601) else {
                Issue.record("\(micros): \(t.iso8601) does not parse")
                return
            }
            if back != t {
                Issue.record("\(micros): \(t.iso8601) parses to \(back.microseconds)")
                return
            }
        }
    }

    @Test("Calendar initializer refuses out-of-range fields")
    func calendarInit() {
        #expect(Timestamp(year: 2025, month: 1, day: 2, hour: 3, minute: 4, second: 5)?.microseconds == Self.base)
        #expect(Timestamp(year: 2025, month: 1, day: 2, hour: 3, minute: 4, second: 5, microsecond: 7)?.microseconds == Self.base + 7)
        #expect(Timestamp(year: 1969, month: 12, day: 31)?.microseconds == -86_400_000_000)
        #expect(Timestamp(year: 2025, month: 2, day: 29) == nil)
        #expect(Timestamp(year: 2024, month: 2, day: 29) != nil)
        #expect(Timestamp(year: 1900, month: 2, day: 29) == nil)
        #expect(Timestamp(year: 2000, month: 2, day: 29) != nil)
        #expect(Timestamp(year: 2025, month: 13, day: 1) == nil)
        #expect(Timestamp(year: 2025, month: 1, day: 1, hour: 24) == nil)
        #expect(Timestamp(year: 2025, month: 1, day: 1, microsecond: 1_000_000) == nil)
        #expect(Timestamp(year: 2025, month: 1, day: 1, microsecond: -1) == nil)
    }

    // MARK: Days and conversions

    @Test("utcDay counts whole UTC days and floors before 1970")
    func utcDay() {
        #expect(Timestamp(microseconds: 0).utcDay == 0)
        #expect(Timestamp(microseconds: 86_399_999_999).utcDay == 0)
        #expect(Timestamp(microseconds: 86_400_000_000).utcDay == 1)
        #expect(Timestamp(microseconds: -1).utcDay == -1)
        #expect(Timestamp(microseconds: -86_400_000_000).utcDay == -1)
        #expect(Timestamp(microseconds: -86_400_000_001).utcDay == -2)
        #expect(Timestamp(microseconds: Self.base).utcDay == 20090)
        #expect(Timestamp(iso8601: "2025-01-02T23:59:59.999999Z")?.utcDay == 20090)
        #expect(Timestamp(iso8601: "2025-01-03T00:00:00Z")?.utcDay == 20091)
        #expect(Timestamp(iso8601: "2025-01-03T01:00:00+02:00")?.utcDay == 20090, "the UTC day, not the local one")
    }

    @Test("Conversions to and from Date and seconds")
    func conversions() {
        let t = Timestamp(microseconds: Self.base + 678_000)
        #expect(Timestamp(t.date) == t)
        #expect(t.secondsSince1970 == 1_735_787_045.678)
        #expect(Timestamp(secondsSince1970: 1.5).microseconds == 1_500_000)
        #expect(Timestamp(secondsSince1970: -1.5).microseconds == -1_500_000)
        let now = Timestamp.now()
        #expect(abs(now.secondsSince1970 - Date().timeIntervalSince1970) < 5)
        #expect(Timestamp(microseconds: 1) < Timestamp(microseconds: 2))
    }
}
