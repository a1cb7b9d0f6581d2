import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// TimestampFormat: ISO forms, epoch units by magnitude or declaration, patterns, rejections.
@Suite("Timestamp formats")
struct TimestampFormatTests {
    static let tenAM = Timestamp(year: 2024, month: 3, day: 1, hour: 10)!

    static func at(_ hour: Int, _ minute: Int = 0, _ second: Int = 0, micro: Int = 0, day: Int = 1) -> Timestamp {
        Timestamp(year: 2024, month: 3, day: day, hour: hour, minute: minute, second: second, microsecond: micro)!
    }

    @Test(
        "auto and iso8601 read every ISO form docs/import.md lists",
        arguments: [
            ("2024-03-01T10:00:00Z", at(10)),
            ("2024-03-01T10:00:00z", at(10)),
            ("2024-03-01t10:00:00Z", at(10)),
            ("2024-03-01T10:00:00.123Z", at(10, micro: 123_000)),
            ("2024-03-01T10:00:00.1Z", at(10, micro: 100_000)),
            ("2024-03-01T10:00:00.123456Z", at(10, micro: 123_456)),
            ("2024-03-01T10:00:00.123456789Z", at(10, micro: 123_456)),
            ("2024-03-01T10:00:00,5Z", at(10, micro: 500_000)),
            ("2024-03-01T10:00:00+02:00", at(8)),
            ("2024-03-01T10:00:00+0200", at(8)),
            ("2024-03-01T10:00:00+02", at(8)),
            ("2024-03-01T10:00:00-05:30", at(15, 30)),
            ("2024-03-01T10:00:00.25-01:00", at(11, micro: 250_000)),
            ("2024-03-01T10:00:00 UTC", at(10)),
            ("2024-03-01 10:00:00", at(10)),
            ("2024-03-01 10:00:00Z", at(10)),
            ("2024-03-01T10:00:00", at(10)),
            ("2024-03-01T10:00", at(10)),
            ("2024-03-01T10:07Z", at(10, 7)),
            ("2024-03-01", at(0)),
            ("  2024-03-01T10:00:00Z  ", at(10)),
            ("2024-03-01T00:30:00+01:00", Timestamp(year: 2024, month: 2, day: 29, hour: 23, minute: 30)!),
        ])
    func isoForms(text: String, expected: Timestamp) throws {
        #expect(try TimestampFormat.auto.parse(.string(text)) == expected, "auto \(text)")
        #expect(try TimestampFormat.iso8601.parse(.string(text)) == expected, "iso8601 \(text)")
    }

    @Test(
        "auto takes epoch numbers by magnitude: below 1e11 seconds, below 1e14 milliseconds, else microseconds",
        arguments: [
            (JSONValue.int(1_709_287_200), tenAM.microseconds),
            (.int(1_709_287_200_123), tenAM.microseconds + 123_000),
            (.int(1_709_287_200_123_456), tenAM.microseconds + 123_456),
            (.double(1_709_287_200.5), tenAM.microseconds + 500_000),
            (.double(1_709_287_200_123.0), tenAM.microseconds + 123_000),
            (.string("1709287200"), tenAM.microseconds),
            (.string("1709287200123"), tenAM.microseconds + 123_000),
            (.string("1709287200123456"), tenAM.microseconds + 123_456),
            (.string("1709287200.25"), tenAM.microseconds + 250_000),
            (.string(" 1709287200 "), tenAM.microseconds),
            (.int(99_999_999_999), 99_999_999_999 * 1_000_000),
            (.int(100_000_000_000), 100_000_000_000 * 1_000),
            (.int(99_999_999_999_999), 99_999_999_999_999 * 1_000),
            (.int(100_000_000_000_000), 100_000_000_000_000),
            (.int(0), 0),
            (.int(-86_400), -86_400_000_000),
            (.string("-86400"), -86_400_000_000),
        ])
    func epochByMagnitude(value: JSONValue, micros: Int64) throws {
        #expect(try TimestampFormat.auto.parse(value).microseconds == micros)
    }

    @Test("declared epoch units remove the guess")
    func declaredUnits() throws {
        #expect(try TimestampFormat.epochSeconds.parse(.int(1_709_287_200)) == Self.tenAM)
        #expect(try TimestampFormat.epochSeconds.parse(.int(1_000)).microseconds == 1_000_000_000)
        #expect(try TimestampFormat.epochSeconds.parse(.string("1709287200.5")).microseconds == Self.tenAM.microseconds + 500_000)
        #expect(try TimestampFormat.epochMilliseconds.parse(.int(1_709_287_200_123)).microseconds == Self.tenAM.microseconds + 123_000)
        // Small values are not re-guessed as seconds.
        #expect(try TimestampFormat.epochMilliseconds.parse(.int(5_000)).microseconds == 5_000_000)
        #expect(try TimestampFormat.epochMilliseconds.parse(.double(1_709_287_200_123.5)).microseconds == Self.tenAM.microseconds + 123_500)
        #expect(try TimestampFormat.epochMicroseconds.parse(.int(1_709_287_200_123_456)).microseconds == Self.tenAM.microseconds + 123_456)
        #expect(try TimestampFormat.epochMicroseconds.parse(.int(7)).microseconds == 7)
        let ns = try TimestampFormat.epochNanoseconds.parse(.int(1_709_287_200_123_456_000)).microseconds
        #expect(abs(ns - (Self.tenAM.microseconds + 123_456)) <= 1)
        #expect(try TimestampFormat.epochNanoseconds.parse(.string("1709287200000000000")) == Self.tenAM)
    }

    @Test("mapping names of formats")
    func formatNames() {
        #expect(TimestampFormat(name: "auto") == .auto)
        #expect(TimestampFormat(name: "iso8601") == .iso8601)
        #expect(TimestampFormat(name: "epoch_s") == .epochSeconds)
        #expect(TimestampFormat(name: "epoch_ms") == .epochMilliseconds)
        #expect(TimestampFormat(name: "epoch_us") == .epochMicroseconds)
        #expect(TimestampFormat(name: "epoch_ns") == .epochNanoseconds)
        #expect(TimestampFormat(name: "%d/%m/%Y") == .pattern("%d/%m/%Y"))
        #expect(TimestampFormat(name: "epoch_days") == nil)
        #expect(TimestampFormat(name: "") == nil)
        #expect(TimestampFormat(name: "YYYY-MM-DD") == nil)
    }

    @Test("patterns: %Y %m %d %H %M %S %f %z %% and literal text; UTC unless %z")
    func patterns() throws {
        let cases: [(String, String, Timestamp)] = [
            ("%d/%m/%Y %H:%M", "01/03/2024 10:30", Self.at(10, 30)),
            ("%Y%m%d%H%M%S", "20240301100005", Self.at(10, 0, 5)),
            ("%Y-%m-%d %H:%M:%S.%f", "2024-03-01 10:00:00.5", Self.at(10, micro: 500_000)),
            ("%Y-%m-%d %H:%M:%S.%f", "2024-03-01 10:00:00.000123", Self.at(10, micro: 123)),
            ("%Y-%m-%dT%H:%M:%S%z", "2024-03-01T10:00:00+0200", Self.at(8)),
            ("%Y-%m-%dT%H:%M:%S%z", "2024-03-01T10:00:00+02:00", Self.at(8)),
            ("%Y-%m-%dT%H:%M:%S%z", "2024-03-01T10:00:00-0530", Self.at(15, 30)),
            ("%Y-%m-%dT%H:%M:%S%z", "2024-03-01T10:00:00Z", Self.at(10)),
            ("%Y-%m-%dT%H:%M:%S %z", "2024-03-01T10:00:00 +01", Self.at(9)),
            ("%d.%m.%Y %% %H", "01.03.2024 % 10", Self.at(10)),
            ("day %d of %m, %Y", "day 1 of 3, 2024", Self.at(0)),
        ]
        for (pattern, text, expected) in cases {
            #expect(try TimestampFormat.pattern(pattern).parse(.string(text)) == expected, "\(pattern) \(text)")
        }
    }

    @Test("rejections carry a reason fit for the rejects file")
    func rejections() {
        let cases: [(TimestampFormat, JSONValue, String)] = [
            (TimestampFormat.auto, JSONValue.null, "null"),
            (.auto, .string("junk"), "unparseable timestamp 'junk'"),
            (.auto, .string(""), "unparseable"),
            (.auto, .string("2024-13-01"), "unparseable"),
            (.auto, .string("2024-02-30T10:00:00Z"), "unparseable"),
            (.auto, .string("2024-03-01T24:00:00Z"), "unparseable"),
            (.auto, .string("2024-03-01T10:00:00+25:00"), "unparseable"),
            (.auto, .string("2024-03-01T10:00:00 PST"), "unparseable"),
            (.auto, .string("01/03/2024"), "unparseable"),
            (.auto, .bool(true), "not a string or number"),
            (.auto, .object([:]), "not a string or number"),
            (.auto, .array([]), "not a string or number"),
            (.auto, .double(.infinity), "finite"),
            (.auto, .double(1e300), "out of range"),
            (.epochSeconds, .int(253_402_300_800), "out of range"),
            (.epochSeconds, .string("2024-03-01"), "not an epoch number"),
            (.epochMilliseconds, .string("yesterday"), "not an epoch number"),
            (.iso8601, .int(1_709_287_200), "declares ISO-8601"),
            (.iso8601, .double(1_709_287_200.5), "declares ISO-8601"),
            (.iso8601, .string("1709287200"), "unparseable"),
            (.pattern("%Y-%m-%d"), .int(1_709_287_200), "declares the pattern"),
            (.pattern("%d/%m/%Y"), .string("2024-03-01"), "does not match the pattern"),
            (.pattern("%d/%m/%Y"), .string("31/02/2024"), "does not match"),
            (.pattern("%d/%m/%Y"), .string("01/03/2024 extra"), "does not match"),
            (.pattern("%Q"), .string("x"), "does not match"),
        ]
        for (format, value, reason) in cases {
            do {
                let parsed = try format.parse(value)
                Issue.record("\(format) accepted \(value) as \(parsed)")
            } catch {
                #expect(error.reason.contains(reason), "\(format) \(value): \(error.reason)")
            }
        }
    }

    @Test("epoch integers too large for any real time are rejected as out of range, not accepted")
    func hugeEpochIntegersOutOfRange() {
        // `auto` reads these as microseconds; 9e18 us is the year ~287,000.
        for (format, value) in [
            (TimestampFormat.auto, JSONValue.int(9_000_000_000_000_000_000)),
            (.auto, .string("9000000000000000000")),
            (.epochMicroseconds, .int(Int64.max)),
        ] {
            #expect(throws: MappingError.self, "\(format) \(value)") { _ = try format.parse(value) }
        }
    }

    @Test("a huge integer with a declared epoch_ms is a rejection, not a crash (integer overflow)")
    func hugeMillisecondsDoNotCrash() async {
        await #expect(processExitsWith: .success) {
            _ = try? TimestampFormat.epochMilliseconds.parse(.int(Int64.max / 10))
            _ = try? TimestampFormat.epochMilliseconds.parse(.string("922337203685477580"))
        }
    }
}
