import PostHogCore
import Testing

@Suite("JSONParser")
struct JSONParserTests {
    // MARK: Values

    @Test("Scalars, containers and surrounding white space")
    func basicValues() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse(" true ") == .bool(true))
        #expect(try JSONParser.parse("\n\tfalse\r\n") == .bool(false))
        #expect(try JSONParser.parse(#""hi""#) == .string("hi"))
        #expect(try JSONParser.parse("[]") == .array([]))
        #expect(try JSONParser.parse("{ }") == .object([:]))
        #expect(
            try JSONParser.parse(#"{"event":"signup","n":[1,2.5,{"x":null}],"ok":true}"#)
                == .object(["event": "signup", "n": [1, 2.5, ["x": nil]], "ok": true]))
    }

    @Test("Integers and doubles keep their spelling: 1 is int, 1.0 and 1e0 are double")
    func intVersusDouble() throws {
        let one = try JSONParser.parse("1")
        let oneDotZero = try JSONParser.parse("1.0")
        guard case .int(1) = one else {
            Issue.record("1 parsed as \(one)")
            return
        }
        guard case .double(1.0) = oneDotZero else {
            Issue.record("1.0 parsed as \(oneDotZero)")
            return
        }
        guard case .double(100) = try JSONParser.parse("1e2") else {
            Issue.record("1e2 is not a double")
            return
        }
        guard case .double(-0.5) = try JSONParser.parse("-5E-1") else {
            Issue.record("-5E-1 is not -0.5")
            return
        }
        // Written back, each keeps its form.
        #expect(JSONWriter.string(one) == "1")
        #expect(JSONWriter.string(oneDotZero) == "1.0")
        #expect(JSONWriter.string(try JSONParser.parse("[1,1.0,-0.0,0]")) == "[1,1.0,-0.0,0]")
    }

    @Test("Integers at and beyond Int64's bounds")
    func integerBounds() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .int(.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(.min))
        // One past either bound keeps its text (exact), rather than wrapping or rounding to a double.
        #expect(try JSONParser.parse("9223372036854775808") == .number("9223372036854775808"))
        #expect(try JSONParser.parse("-9223372036854775809") == .number("-9223372036854775809"))
        #expect(try JSONParser.parse("123456789012345678901234567890") == .number("123456789012345678901234567890"))
        #expect(JSONWriter.string(try JSONParser.parse(#"{"n":12345678901234567890123}"#)) == #"{"n":12345678901234567890123}"#)
        // More digits than a Double carries keep their text; 17 or fewer are a Double.
        #expect(try JSONParser.parse("0.123456789012345678901") == .number("0.123456789012345678901"))
        #expect(try JSONParser.parse("0.12345678901234567") == .double(0.12345678901234567))
        #expect(try JSONParser.parse("-0") == .int(0))
        #expect(try JSONParser.parse("0.1") == .double(0.1))
        #expect(try JSONParser.parse("2.2250738585072014e-308") == .double(2.2250738585072014e-308))
        #expect(try JSONParser.parse("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
    }

    @Test("Escapes, \\u escapes, surrogate pairs and raw UTF-8")
    func strings() throws {
        #expect(try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try JSONParser.parse(#""\u0041\u00e9\u20AC\u0000""#) == .string("Aé€\u{0}"))
        #expect(try JSONParser.parse(#""\ud83e\udd94""#) == .string("🦔"))
        #expect(try JSONParser.parse(#""\uD83D\uDE00 and 😀""#) == .string("😀 and 😀"))
        #expect(try JSONParser.parse("\"中文 Ж \u{10FFFF}\"") == .string("中文 Ж \u{10FFFF}"))
        #expect(try JSONParser.parse(#""a/b""#) == .string("a/b"))
        #expect(try JSONParser.parse(#"{"k\u00e9y":1}"#) == .object(["kéy": 1]))
        // U+FEFF inside a string is content, not a byte-order mark.
        #expect(try JSONParser.parse("\"a\u{FEFF}b\"") == .string("a\u{FEFF}b"))
        #expect(try JSONParser.parse(#""\uFEFF""#) == .string("\u{FEFF}"))
    }

    @Test("Numbers beyond Double's range are refused, as Foundation and PostHog's serde_json do, not turned into infinity")
    func doubleOverflow() throws {
        do {
            for (text, offset) in [("1e400", 0), ("-1e400", 0), ("[1, 2e999]", 4), (#"{"n":-123456789e400}"#, 5)] {
                do {
                    let value = try JSONParser.parse(text)
                    // Infinity cannot be written back as JSON: it would silently become null.
                    Issue.record("\(text) parsed to \(value)")
                } catch {
                    #expect(error.offset == offset, "\(text): \(error)")
                }
            }
        }
        // Underflow is not an error: no Double holds it, so it keeps its text (written back as it was).
        #expect(try JSONParser.parse("1e-400") == .number("1e-400"))
    }

    @Test("Lone surrogates become U+FFFD instead of failing")
    func loneSurrogates() throws {
        #expect(try JSONParser.parse(#""\ud800""#) == .string("\u{FFFD}"))
        #expect(try JSONParser.parse(#""\udc00x""#) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
        #expect(try JSONParser.parse(#""\ud800\ud800\udc00""#) == .string("\u{FFFD}\u{10000}"))
    }

    @Test("Duplicate keys: the last one wins")
    func duplicateKeys() throws {
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#) == .object(["a": 2]))
    }

    @Test("Nesting up to maximumDepth is accepted")
    func depthLimitAccepted() throws {
        let depth = JSONParser.maximumDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try JSONParser.parse(text)
        var levels = 0
        while case .array(let inner) = value {
            levels += 1
            value = inner.first ?? .null
        }
        #expect(levels == depth)
        let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(throws: Never.self) { try JSONParser.parse(objects) }
    }

    // MARK: Errors and their offsets

    /// Parses `text` and returns the error it throws.
    func failure(_ text: String) -> JSONParseError? {
        do {
            let value = try JSONParser.parse(Array(text.utf8))
            Issue.record("\(text.debugDescription) parsed to \(value)")
            return nil
        } catch {
            return error
        }
    }

    func failure(_ bytes: [UInt8]) -> JSONParseError? {
        do {
            let value = try JSONParser.parse(bytes)
            Issue.record("\(bytes) parsed to \(value)")
            return nil
        } catch {
            return error
        }
    }

    @Test(
        "Errors carry the byte offset of the problem",
        arguments: [
            // Truncated input: the offset is the end of the input or the start of the unfinished token.
            ("", 0),
            ("   ", 3),
            (#"{"a":"#, 5),
            (#"{"a":1"#, 6),
            ("[1,2", 4),
            ("[1,", 3),
            (#""abc"#, 0),
            (#"{"a":"xy"#, 5),
            ("tru", 0),
            ("-", 0),
            ("1.", 0),
            ("1e+", 0),
            (#""\u12"#, 3),
            // Trailing garbage: the first byte after the value and its white space.
            ("{} x", 3),
            ("1 2", 2),
            ("[1]]", 3),
            ("01", 1),
            ("nullx", 4),
            // Structure.
            ("[1,]", 3),
            (#"{"a":1,}"#, 7),
            (#"{"a" 1}"#, 5),
            ("{a:1}", 1),
            ("[1 2]", 3),
            ("@", 0),
            // Bad escapes point at the backslash; a bad hex digit at the digit.
            (#"["ab\x"]"#, 4),
            (#""\u12g4""#, 5),
            // A raw control character points at itself.
            ("\"ab\u{01}\"", 3),
            ("[\"ok\", \"a\nb\"]", 9),
        ] as [(String, Int)])
    func errorOffsets(text: String, offset: Int) {
        guard let error = failure(text) else { return }
        #expect(error.offset == offset, "\(text.debugDescription): \(error)")
        #expect(error.description.contains("byte \(error.offset)"))
    }

    @Test("A control character after an escape in the same string is still refused at its offset")
    func controlCharacterOnSlowPath() {
        guard let error = failure("\"\\n\u{1F}\"") else { return }
        #expect(error.offset == 3)
    }

    @Test("Invalid UTF-8 is refused at the offset of the first bad byte")
    func invalidUTF8() {
        // "ab" then a lone continuation byte at offset 3.
        let loneContinuation: [UInt8] = [0x22, 0x61, 0x62, 0x80, 0x22]
        // A truncated 3-byte sequence at offset 6.
        let truncated: [UInt8] = Array(#"{"a":"#.utf8) + [0x22, 0xE2, 0x82, 0x22, 0x7D]
        // An overlong encoding of "/" at offset 1.
        let overlong: [UInt8] = [0x22, 0xC0, 0xAF, 0x22]
        // A surrogate encoded in UTF-8 (CESU) at offset 3, after an escape (the slow path).
        let encodedSurrogate: [UInt8] = [0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22]
        var offsets: [(bytes: [UInt8], expected: Int, actual: Int)] = []
        for (bytes, offset) in [(loneContinuation, 3), (truncated, 6), (overlong, 1), (encodedSurrogate, 3)] {
            guard let error = failure(bytes) else { continue }
            #expect(error.reason.contains("UTF-8"), "\(bytes): \(error)")
            offsets.append((bytes, offset, error.offset))
        }
        do {
            for (bytes, expected, actual) in offsets {
                #expect(actual == expected, "\(bytes)")
            }
        }
    }

    @Test("Invalid UTF-8 is refused even outside the first string")
    func invalidUTF8InKey() {
        let bytes: [UInt8] = Array(#"{"ok":1,""#.utf8) + [0xFF] + Array(#"":2}"#.utf8)
        guard let error = failure(bytes) else { return }
        #expect(error.reason.contains("UTF-8"))
        #expect((8...9).contains(error.offset), "\(error)")
    }

    @Test("Nesting deeper than maximumDepth is an error at the first too-deep bracket, not a crash")
    func depthLimitRefused() {
        let depth = JSONParser.maximumDepth + 1
        for open in ["[", #"{"k":"#] {
            let close = open == "[" ? "]" : "}"
            let text = String(repeating: open, count: depth) + "0" + String(repeating: close, count: depth)
            guard let error = failure(text) else { continue }
            #expect(error.offset == JSONParser.maximumDepth * open.utf8.count, "\(error)")
            #expect(error.reason.contains("\(JSONParser.maximumDepth)"))
        }
        // Far deeper input (a stack-overflow attempt) fails just the same.
        #expect(throws: JSONParseError.self) { try JSONParser.parse(String(repeating: "[", count: 100_000)) }
    }

    @Test("A byte-order mark before the value is not JSON")
    func byteOrderMark() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("1".utf8)) }
    }

    @Test("Numbers JSON does not allow")
    func invalidNumbers() {
        for text in ["+1", ".5", "1.e3", "0x10", "1e", "--1", "-.5", "Infinity", "NaN", "1_000"] {
            #expect(throws: JSONParseError.self, "\(text)") { try JSONParser.parse(text) }
        }
    }
}
