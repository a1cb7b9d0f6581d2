import Foundation
import PostHogCore
import Testing

/// A seeded generator so every random test is repeatable (the seed is in the test's name).
struct CoreTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

/// Writes random JSON *text* (not through JSONWriter) together with the value it denotes: nested
/// containers, every escape form, \uXXXX with surrogate pairs, raw multi-byte UTF-8 and emoji,
/// and numbers in every JSON spelling.
struct JSONTextGenerator {
    var rng: CoreTestRandom
    var text: [UInt8] = []

    init(seed: UInt64) { rng = CoreTestRandom(seed: seed) }

    mutating func document() -> JSONValue {
        text = []
        space()
        let value = self.value(depth: 0)
        space()
        return value
    }

    mutating func space() {
        let choices: [UInt8] = [0x20, 0x0A, 0x0D, 0x09]
        while rng.chance(0.2) { text.append(choices[rng.int(0...3)]) }
    }

    mutating func emit(_ s: String) { text.append(contentsOf: s.utf8) }

    mutating func value(depth: Int) -> JSONValue {
        let containerChance = depth < 6 ? 0.35 : 0.0
        if rng.chance(containerChance) {
            return rng.chance(0.5) ? object(depth: depth + 1) : array(depth: depth + 1)
        }
        switch rng.int(0...9) {
        case 0:
            emit("null")
            return .null
        case 1:
            emit("true")
            return .bool(true)
        case 2:
            emit("false")
            return .bool(false)
        case 3, 4, 5: return number()
        default: return .string(string())
        }
    }

    mutating func object(depth: Int) -> JSONValue {
        emit("{")
        var members: [String: JSONValue] = [:]
        let count = rng.int(0...6)
        for i in 0..<count {
            if i > 0 { emit(",") }
            space()
            var key = string()
            while members[key] != nil {  // unique keys: duplicate-key semantics are not compared
                text.removeLast()  // the closing quote
                emit("x\"")
                key += "x"
            }
            space()
            emit(":")
            space()
            members[key] = value(depth: depth)
            space()
        }
        if count == 0 { space() }
        emit("}")
        return .object(members)
    }

    mutating func array(depth: Int) -> JSONValue {
        emit("[")
        var elements: [JSONValue] = []
        let count = rng.int(0...6)
        for i in 0..<count {
            if i > 0 { emit(",") }
            space()
            elements.append(value(depth: depth))
            space()
        }
        if count == 0 { space() }
        emit("]")
        return .array(elements)
    }

    mutating func hex4(_ v: UInt32) {
        let digits = rng.chance(0.5) ? Array("0123456789abcdef".utf8) : Array("0123456789ABCDEF".utf8)
        text.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) { text.append(digits[Int((v >> UInt32(shift)) & 0xF)]) }
    }

    mutating func string() -> String {
        emit("\"")
        var scalars = String.UnicodeScalarView()
        let count = rng.int(0...12)
        for _ in 0..<count {
            switch rng.int(0...9) {
            case 0, 1, 2:  // printable ASCII, raw
                var c = UInt8(rng.int(0x20...0x7E))
                if c == 0x22 || c == 0x5C { c = UInt8(ascii: "a") }
                text.append(c)
                scalars.append(Unicode.Scalar(c))
            case 3:  // short escapes
                let table: [(String, Unicode.Scalar)] = [
                    ("\\\"", "\""), ("\\\\", "\\"), ("\\/", "/"), ("\\b", "\u{08}"), ("\\f", "\u{0C}"), ("\\n", "\n"),
                    ("\\r", "\r"), ("\\t", "\t"),
                ]
                let (escape, scalar) = table[rng.int(0...table.count - 1)]
                emit(escape)
                scalars.append(scalar)
            case 4:  // control characters, escaped as \u00XX
                let c = UInt32(rng.int(0...0x1F))
                hex4(c)
                scalars.append(Unicode.Scalar(c)!)
            case 5:  // BMP scalar as \uXXXX (no surrogates)
                var v = UInt32(rng.int(0x20...0xFFFD))
                // U+FEFF is left out: Foundation on Linux drops it from strings (JSONParserTests
                // checks that we keep it).
                if (0xD800...0xDFFF).contains(v) || v == 0xFEFF { v = 0x20AC }
                hex4(v)
                scalars.append(Unicode.Scalar(v)!)
            case 6:  // raw 2- and 3-byte UTF-8
                let pool: [Unicode.Scalar] = ["é", "ß", "Ж", "中", "日", "€", "\u{2028}", "ﬁ", "\u{7F}"]
                let s = pool[rng.int(0...pool.count - 1)]
                emit(String(s))
                scalars.append(s)
            case 7:  // raw emoji (4-byte UTF-8)
                let pool: [Unicode.Scalar] = ["😀", "🦔", "🎬", "\u{1F9EA}", "\u{10FFFF}", "\u{1D11E}"]
                let s = pool[rng.int(0...pool.count - 1)]
                emit(String(s))
                scalars.append(s)
            default:  // astral scalar as an escaped surrogate pair
                let v = UInt32(rng.int(0x10000...0x10FFFF))
                let u = v - 0x10000
                hex4(0xD800 + (u >> 10))
                hex4(0xDC00 + (u & 0x3FF))
                scalars.append(Unicode.Scalar(v)!)
            }
        }
        emit("\"")
        return String(scalars)
    }

    mutating func digits(_ count: Int, leadingNonZero: Bool) -> String {
        var s = ""
        for i in 0..<count {
            s.append(String(leadingNonZero && i == 0 ? rng.int(1...9) : rng.int(0...9)))
        }
        return s
    }

    mutating func number() -> JSONValue {
        var s = rng.chance(0.4) ? "-" : ""
        let intDigits = [1, 1, 2, 3, 5, 10, 18, 19, 19, 20, 25][rng.int(0...10)]
        if rng.chance(0.1) { s += "0" } else { s += digits(intDigits, leadingNonZero: true) }
        var isInteger = true
        if rng.chance(0.35) {
            isInteger = false
            s += "." + digits(rng.int(1...17), leadingNonZero: false)
        }
        if rng.chance(0.25) {
            isInteger = false
            s += rng.chance(0.5) ? "e" : "E"
            switch rng.int(0...2) {
            case 0: s += "+"
            case 1: s += "-"
            default: break
            }
            s += String(rng.int(0...250))
        }
        if rng.chance(0.02) {
            s = ["9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809"][rng.int(0...3)]
            isInteger = true
        }
        emit(s)
        if isInteger, let i = Int64(s) { return .int(i) }
        if isInteger { return .number(s) }
        // Significant digits of the mantissa: past 17, a Double cannot hold the value, so it keeps its text.
        let mantissa = s.prefix { $0 != "e" && $0 != "E" }.filter(\.isNumber).drop { $0 == "0" }
        let d = Double(s)!
        if mantissa.count > 17 || !d.isFinite || (d == 0 && !mantissa.isEmpty) { return .number(s) }
        return .double(d)
    }
}

/// Describes the first difference between our parse and Foundation's, or nil.
func foundationMismatch(_ ours: JSONValue, _ theirs: Any, path: String = "$") -> String? {
    switch ours {
    case .null:
        return theirs is NSNull ? nil : "\(path): null vs \(theirs)"
    case .bool(let b):
        guard let number = theirs as? NSNumber, String(cString: number.objCType) == "c", number.boolValue == b else {
            return "\(path): \(b) vs \(theirs)"
        }
        return nil
    case .int(let i):
        guard let number = theirs as? NSNumber, String(cString: number.objCType) != "c" else { return "\(path): \(i) vs \(theirs)" }
        if number.doubleValue.rounded() == number.doubleValue, number.int64Value == i || number.doubleValue == Double(i) { return nil }
        return "\(path): \(i) vs \(number)"
    case .double(let d):
        guard let number = theirs as? NSNumber, String(cString: number.objCType) != "c" else { return "\(path): \(d) vs \(theirs)" }
        let other = number.doubleValue
        // Foundation keeps big integers as NSDecimalNumber, whose conversion to Double may be off
        // by an ulp or so; the exact value is checked against the generator instead.
        if other == d || abs(other - d) <= abs(d) * 1e-14 { return nil }
        return "\(path): \(d) vs \(other)"
    case .number(let text):
        guard let number = theirs as? NSNumber, let d = Double(text) else { return "\(path): \(text) vs \(theirs)" }
        let other = number.doubleValue
        if other == d || abs(other - d) <= abs(d) * 1e-14 { return nil }
        return "\(path): \(text) vs \(other)"
    case .string(let s):
        guard let other = theirs as? String else { return "\(path): string vs \(type(of: theirs))" }
        return Array(s.unicodeScalars) == Array(other.unicodeScalars) ? nil : "\(path): \(s.debugDescription) vs \(other.debugDescription)"
    case .array(let elements):
        guard let other = theirs as? [Any], other.count == elements.count else { return "\(path): array vs \(theirs)" }
        for (i, element) in elements.enumerated() {
            if let m = foundationMismatch(element, other[i], path: "\(path)[\(i)]") { return m }
        }
        return nil
    case .object(let members):
        guard let other = theirs as? [String: Any], other.count == members.count else { return "\(path): object vs \(theirs)" }
        for (key, value) in members {
            guard let theirValue = other[key] else { return "\(path): key \(key.debugDescription) missing in Foundation's" }
            if let m = foundationMismatch(value, theirValue, path: "\(path).\(key)") { return m }
        }
        return nil
    }
}

/// Exact equality that tells `1` from `1.0` and compares strings scalar by scalar.
func strictlyEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.int(let x), .int(let y)): return x == y
    case (.double(let x), .double(let y)): return x == y && x.sign == y.sign
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return Array(x.unicodeScalars) == Array(y.unicodeScalars)
    case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { strictlyEqual($0, $1) }
    case (.object(let x), .object(let y)):
        return x.count == y.count && x.allSatisfy { key, value in y[key].map { strictlyEqual(value, $0) } ?? false }
    default: return false
    }
}

@Suite("JSON parser against Foundation on generated documents")
struct JSONDifferentialTests {
    @Test("3000 random documents parse to what they denote and to what JSONSerialization reads")
    func randomDocuments() throws {
        var generator = JSONTextGenerator(seed: 0x4A53_4F4E)
        var failures = 0
        for n in 0..<3000 {
            let expected = generator.document()
            let text = generator.text
            let ours: JSONValue
            do {
                ours = try JSONParser.parse(text)
            } catch {
                Issue.record("document \(n) rejected: \(error)\n\(String(decoding: text, as: UTF8.self))")
                failures += 1
                if failures > 5 { return }
                continue
            }
            if !strictlyEqual(ours, expected) {
                Issue.record("document \(n) parsed to \(ours), expected \(expected)\n\(String(decoding: text, as: UTF8.self))")
                failures += 1
            }
            let theirs = try JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed])
            if let mismatch = foundationMismatch(ours, theirs) {
                Issue.record("document \(n) differs from Foundation at \(mismatch)\n\(String(decoding: text, as: UTF8.self))")
                failures += 1
            }
            if failures > 5 { return }
        }
    }

    @Test("Parsing a String, bytes, a slice and a raw buffer agree")
    func entryPointsAgree() throws {
        var generator = JSONTextGenerator(seed: 7)
        for _ in 0..<200 {
            _ = generator.document()
            let bytes = generator.text
            let fromBytes = try JSONParser.parse(bytes)
            let fromString = try JSONParser.parse(String(decoding: bytes, as: UTF8.self))
            let padded = [UInt8](" x".utf8) + bytes + [UInt8]("y".utf8)
            let fromSlice = try JSONParser.parse(padded[2..<(padded.count - 1)])
            let fromBuffer = try bytes.withUnsafeBufferPointer { try JSONParser.parse(buffer: $0) }
            #expect(strictlyEqual(fromBytes, fromString))
            #expect(strictlyEqual(fromBytes, fromSlice))
            #expect(strictlyEqual(fromBytes, fromBuffer))
        }
    }

    @Test("Documents JSONSerialization refuses are refused too")
    func invalidDocumentsAgree() {
        // Foundation on Linux accepts a trailing comma ("[1,]") and a leading byte-order mark, which
        // RFC 8259 does not require; those are checked in JSONParserTests instead of here.
        let invalid = [
            "", " ", "nul", "tru", "[", "{", "[1", "{\"a\"", "{\"a\":", "{\"a\":1", "\"abc", "01", "-", "2.", "1e", "1e+", ".5",
            "+1", "[1 2]", "{\"a\" 1}", "{a:1}", "'a'", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"a\u{01}b\"", "NaN",
            "Infinity", "-Infinity", "[1]]", "{} {}", "1 2",
        ]
        for text in invalid {
            #expect(throws: JSONParseError.self, "\(text.debugDescription)") { try JSONParser.parse(text) }
            #expect(throws: (any Error).self, "Foundation: \(text.debugDescription)") {
                try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            }
        }
    }
}
