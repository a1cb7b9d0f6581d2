import Foundation
import PostHogCore
import Testing

/// Random JSONValue trees, for writer → parser round trips.
struct JSONValueGenerator {
    var rng: CoreTestRandom

    init(seed: UInt64) { rng = CoreTestRandom(seed: seed) }

    mutating func value(depth: Int = 0) -> JSONValue {
        if depth < 5 && rng.chance(0.3) {
            if rng.chance(0.5) {
                return .array((0..<rng.int(0...5)).map { _ in value(depth: depth + 1) })
            }
            var members: [String: JSONValue] = [:]
            for _ in 0..<rng.int(0...5) { members[string()] = value(depth: depth + 1) }
            return .object(members)
        }
        switch rng.int(0...7) {
        case 0: return .null
        case 1: return .bool(rng.chance(0.5))
        case 2: return .int(Int64(bitPattern: rng.next()))
        case 3: return .int(Int64(rng.int(-1000...1000)))
        case 4:
            // Any finite double, from its bits: subnormals, huge and tiny magnitudes, -0.0.
            var d = Double(bitPattern: rng.next())
            while !d.isFinite { d = Double(bitPattern: rng.next()) }
            return .double(d)
        case 5: return .double(Double(rng.int(-100...100)) / 8)
        default: return .string(string())
        }
    }

    mutating func string() -> String {
        let pool: [Unicode.Scalar] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{00}", "\u{01}", "\u{08}", "\u{0C}", "\u{1F}", "\u{7F}",
            "é", "€", "\u{2028}", "\u{FFFF}", "😀", "🦔", "\u{10FFFF}", "\u{FFFD}",
        ]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<rng.int(0...10) { scalars.append(pool[rng.int(0...pool.count - 1)]) }
        return String(scalars)
    }
}

@Suite("JSONWriter")
struct JSONWriterTests {
    @Test("Writer → parser round trip on 2000 random values, in both key orders")
    func roundTrip() throws {
        var generator = JSONValueGenerator(seed: 0x5752_4954)
        for n in 0..<2000 {
            let value = generator.value()
            for sorted in [false, true] {
                let bytes = JSONWriter.encode(value, sortedKeys: sorted)
                let parsed = try JSONParser.parse(bytes)
                #expect(strictlyEqual(parsed, value), "value \(n) (sorted: \(sorted)): \(String(decoding: bytes, as: UTF8.self))")
            }
        }
    }

    @Test("Writer output is JSON that Foundation reads to the same values")
    func foundationReadsWriterOutput() throws {
        var generator = JSONValueGenerator(seed: 99)
        for n in 0..<500 {
            let value = generator.value()
            let bytes = JSONWriter.encode(value)
            let theirs = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            #expect(foundationMismatch(value, theirs) == nil, "value \(n): \(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test("Scalars are written in their canonical forms")
    func scalars() {
        #expect(JSONWriter.string(.null) == "null")
        #expect(JSONWriter.string(true) == "true")
        #expect(JSONWriter.string(false) == "false")
        #expect(JSONWriter.string(.int(0)) == "0")
        #expect(JSONWriter.string(.int(-42)) == "-42")
        #expect(JSONWriter.string(.int(.max)) == "9223372036854775807")
        #expect(JSONWriter.string(.int(.min)) == "-9223372036854775808")
        #expect(JSONWriter.string(.double(1)) == "1.0")
        #expect(JSONWriter.string(.double(0.1)) == "0.1")
        #expect(JSONWriter.string(.double(-2.5)) == "-2.5")
        #expect(JSONWriter.string(.double(1e-7)) == "1e-07")
        #expect(JSONWriter.string(.double(1e300)) == "1e+300")
        // Non-finite doubles cannot be JSON: they become null.
        #expect(JSONWriter.string(.double(.nan)) == "null")
        #expect(JSONWriter.string(.double(.infinity)) == "null")
        #expect(JSONWriter.string(.double(-.infinity)) == "null")
    }

    @Test("Strings: only quote, backslash and control characters are escaped; / and non-ASCII are not")
    func stringEscaping() {
        #expect(JSONWriter.string("a/b") == #""a/b""#)
        #expect(JSONWriter.string("https://example.com/x?y=1") == #""https://example.com/x?y=1""#)
        #expect(JSONWriter.string("\"\\") == #""\"\\""#)
        #expect(JSONWriter.string("\n\r\t\u{08}\u{0C}") == #""\n\r\t\b\f""#)
        #expect(JSONWriter.string("\u{00}\u{01}\u{1F}") == #""\u0000\u0001\u001f""#)
        #expect(JSONWriter.string("\u{7F}é€😀") == "\"\u{7F}é€😀\"")
        #expect(JSONWriter.encode("😀") == [0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22])
    }

    @Test("Sorted keys give deterministic output at every level")
    func sortedKeys() {
        let value: JSONValue = ["b": 1, "a": ["d": 1, "c": [["z": 1, "y": 2]]], "B": nil, "é": true]
        #expect(JSONWriter.string(value, sortedKeys: true) == #"{"B":null,"a":{"c":[{"y":2,"z":1}],"d":1},"b":1,"é":true}"#)
        #expect(value.description == JSONWriter.string(value, sortedKeys: true))
    }

    @Test("Fragments: writeKey, writeRaw and reset build valid JSON")
    func fragments() throws {
        var writer = JSONWriter()
        writer.writeByte(UInt8(ascii: "{"))
        writer.writeKey("raw")
        writer.writeRaw(Array("[1,2]".utf8))
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("q\"")
        writer.write(.double(2))
        writer.writeByte(UInt8(ascii: "}"))
        #expect(try JSONParser.parse(writer.bytes) == .object(["raw": [1, 2], "q\"": 2.0]))
        writer.reset()
        #expect(writer.bytes.isEmpty)
        writer.writeInt(-7)
        #expect(writer.bytes == Array("-7".utf8))
    }

    @Test("Pretty output is indented, sorted, newline-terminated and parses back")
    func pretty() throws {
        let value: JSONValue = ["b": [1, 2], "a": ["x": [:]], "c": []]
        let text = String(decoding: JSONWriter.pretty(value), as: UTF8.self)
        #expect(text == "{\n  \"a\": {\n    \"x\": {}\n  },\n  \"b\": [\n    1,\n    2\n  ],\n  \"c\": []\n}\n")
        #expect(try JSONParser.parse(text) == value)
    }

    @Test("Accessors")
    func accessors() {
        let value: JSONValue = ["s": "x", "i": 3, "d": 2.0, "f": 2.5, "b": true, "n": nil, "a": [1], "o": ["k": 1]]
        #expect(value["s"]?.stringValue == "x")
        #expect(value["i"]?.intValue == 3)
        #expect(value["d"]?.intValue == 2)
        #expect(value["f"]?.intValue == nil)
        #expect(value["f"]?.doubleValue == 2.5)
        #expect(value["i"]?.doubleValue == 3)
        #expect(value["b"]?.boolValue == true)
        #expect(value["n"]?.isNull == true)
        #expect(value["a"]?.arrayValue == [1])
        #expect(value["o"]?["k"] == 1)
        #expect(value["missing"] == nil)
        #expect(value["s"]?["k"] == nil)
        #expect(value["a"]?.typeName == "array")
        #expect(JSONValue.int(1) != JSONValue.double(1), "1 and 1.0 are different values")
    }
}
