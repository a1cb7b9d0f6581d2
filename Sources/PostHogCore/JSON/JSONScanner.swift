/// Validates JSON and locates the members of an object or the elements of an array without
/// building values: the hot paths parse only the few fields they need and copy the rest
/// (an event's `properties`) through as validated bytes.
///
/// Validation is the parser's (RFC 8259, UTF-8, nesting depth), with one extra refusal: a `\u`
/// escape of a lone surrogate, which the parser would replace with U+FFFD, makes the text
/// unsuitable for copying verbatim (``JSONScanner/Unsuitable``). Callers then fall back to
/// ``JSONParser``, which also gives the precise error for invalid input.
///
/// ```swift
/// let members = try JSONScanner.members(of: buffer)
/// let event = members.first { $0.key == "event" }
/// ```
public enum JSONScanner {
    /// One member of an object: its key and where its value's bytes are.
    public struct Member: Sendable, Equatable {
        public var key: String
        /// The value's bytes, as offsets into the scanned buffer.
        public var value: Range<Int>
        /// The value's first byte: `{`, `[`, `"`, `t`, `f`, `n`, `-` or a digit.
        public var kind: UInt8

        /// Whether the value is an object.
        public var isObject: Bool { kind == UInt8(ascii: "{") }
        /// Whether the value is a string.
        public var isString: Bool { kind == UInt8(ascii: "\"") }
        /// Whether the value is `null`.
        public var isNull: Bool { kind == UInt8(ascii: "n") }
    }

    /// Why a text cannot take the fast path: invalid JSON, or valid JSON that must be parsed.
    public struct Unsuitable: Error, Sendable {
        public var offset: Int
        public var reason: String
    }

    /// The members of the object that `buffer[range]` holds (nothing else but white space),
    /// in order, duplicates included.
    public static func members(of buffer: UnsafeBufferPointer<UInt8>, in range: Range<Int>? = nil) throws(Unsuitable) -> [Member] {
        let range = range ?? 0..<buffer.count
        var cursor = JSONCursor(buffer: UnsafeBufferPointer(rebasing: buffer[..<range.upperBound]))
        cursor.index = range.lowerBound
        do throws(JSONParseError) {
            cursor.skipWhitespace()
            let members = try cursor.scanMembers(depth: 1)
            cursor.skipWhitespace()
            guard cursor.index == cursor.buffer.count else { throw cursor.fail("unexpected data after the JSON value") }
            return members
        } catch {
            throw Unsuitable(offset: error.offset, reason: error.reason)
        }
    }

    /// The members of the object at `buffer[range]`, and, for the member named `key` when it
    /// holds an array, that array's elements with each object's members: one pass over a
    /// `{"batch": [...], ...}` body.
    public static func members(
        of buffer: UnsafeBufferPointer<UInt8>, in range: Range<Int>? = nil, expanding key: String
    ) throws(Unsuitable) -> (members: [Member], elements: [Element]?) {
        let range = range ?? 0..<buffer.count
        var cursor = JSONCursor(buffer: UnsafeBufferPointer(rebasing: buffer[..<range.upperBound]))
        cursor.index = range.lowerBound
        do throws(JSONParseError) {
            cursor.skipWhitespace()
            var elements: [Element]?
            let members = try cursor.scanMembers(depth: 1, expanding: key, into: &elements)
            cursor.skipWhitespace()
            guard cursor.index == cursor.buffer.count else { throw cursor.fail("unexpected data after the JSON value") }
            return (members, elements)
        } catch {
            throw Unsuitable(offset: error.offset, reason: error.reason)
        }
    }

    /// One element of an array: where it is, and its members when it is an object.
    public struct Element: Sendable {
        public var range: Range<Int>
        public var members: [Member]?
    }

    /// The elements of the array that `buffer[range]` holds, each object's members found in the
    /// same pass (one validation of every byte).
    public static func objectElements(of buffer: UnsafeBufferPointer<UInt8>, in range: Range<Int>? = nil) throws(Unsuitable) -> [Element] {
        let range = range ?? 0..<buffer.count
        var cursor = JSONCursor(buffer: UnsafeBufferPointer(rebasing: buffer[..<range.upperBound]))
        cursor.index = range.lowerBound
        do throws(JSONParseError) {
            cursor.skipWhitespace()
            let elements = try cursor.scanObjectElements(depth: 1)
            cursor.skipWhitespace()
            guard cursor.index == cursor.buffer.count else { throw cursor.fail("unexpected data after the JSON value") }
            return elements
        } catch {
            throw Unsuitable(offset: error.offset, reason: error.reason)
        }
    }

    /// Where each element of the array that `buffer[range]` holds is.
    public static func elements(of buffer: UnsafeBufferPointer<UInt8>, in range: Range<Int>? = nil) throws(Unsuitable) -> [Range<Int>] {
        let range = range ?? 0..<buffer.count
        var cursor = JSONCursor(buffer: UnsafeBufferPointer(rebasing: buffer[..<range.upperBound]))
        cursor.index = range.lowerBound
        var elements: [Range<Int>] = []
        do throws(JSONParseError) {
            cursor.skipWhitespace()
            guard cursor.index < cursor.buffer.count, cursor.buffer[cursor.index] == UInt8(ascii: "[") else {
                throw cursor.fail("expected an array")
            }
            cursor.index += 1
            cursor.skipWhitespace()
            if cursor.index < cursor.buffer.count && cursor.buffer[cursor.index] == UInt8(ascii: "]") {
                cursor.index += 1
            } else {
                while true {
                    cursor.skipWhitespace()
                    let start = cursor.index
                    guard start < cursor.buffer.count else { throw cursor.fail("unexpected end of input") }
                    try cursor.skipValue(depth: 2)
                    elements.append(start..<cursor.index)
                    cursor.skipWhitespace()
                    guard cursor.index < cursor.buffer.count else { throw cursor.fail("unterminated array") }
                    let byte = cursor.buffer[cursor.index]
                    cursor.index += 1
                    if byte == UInt8(ascii: "]") { break }
                    guard byte == UInt8(ascii: ",") else { throw cursor.fail("expected ',' or ']'", at: cursor.index - 1) }
                }
            }
            cursor.skipWhitespace()
            guard cursor.index == cursor.buffer.count else { throw cursor.fail("unexpected data after the JSON value") }
        } catch {
            throw Unsuitable(offset: error.offset, reason: error.reason)
        }
        return elements
    }

    /// Parses one value located by ``members(of:in:)`` or ``elements(of:in:)``.
    public static func value(in buffer: UnsafeBufferPointer<UInt8>, at range: Range<Int>) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(buffer: UnsafeBufferPointer(rebasing: buffer[range]))
    }

    /// The string at `range` (a string value located by the scanner), or nil for another kind.
    public static func string(in buffer: UnsafeBufferPointer<UInt8>, at range: Range<Int>) -> String? {
        guard range.count >= 2, buffer[range.lowerBound] == UInt8(ascii: "\"") else { return nil }
        var cursor = JSONCursor(buffer: UnsafeBufferPointer(rebasing: buffer[..<range.upperBound]))
        cursor.index = range.lowerBound
        return try? cursor.parseString()
    }
}

extension JSONCursor {
    /// Scans the object starting at `index` (its `{`), returning its members; leaves `index`
    /// just past the closing `}`.
    mutating func scanMembers(depth: Int) throws(JSONParseError) -> [JSONScanner.Member] {
        var unused: [JSONScanner.Element]?
        return try scanMembers(depth: depth, expanding: nil, into: &unused)
    }

    /// Scans the array starting at `index` (its `[`), each object element's members included.
    mutating func scanObjectElements(depth: Int) throws(JSONParseError) -> [JSONScanner.Element] {
        guard index < buffer.count, buffer[index] == UInt8(ascii: "[") else { throw fail("expected an array") }
        if depth > JSONParser.maximumDepth { throw fail("nesting deeper than \(JSONParser.maximumDepth)") }
        index += 1
        skipWhitespace()
        var elements: [JSONScanner.Element] = []
        if index < buffer.count && buffer[index] == UInt8(ascii: "]") {
            index += 1
            return elements
        }
        while true {
            skipWhitespace()
            let start = index
            guard start < buffer.count else { throw fail("unexpected end of input") }
            if buffer[start] == UInt8(ascii: "{") {
                let members = try scanMembers(depth: depth + 1)
                elements.append(JSONScanner.Element(range: start..<index, members: members))
            } else {
                try skipValue(depth: depth + 1)
                elements.append(JSONScanner.Element(range: start..<index, members: nil))
            }
            skipWhitespace()
            guard index < buffer.count else { throw fail("unterminated array") }
            let byte = buffer[index]
            index += 1
            if byte == UInt8(ascii: "]") { return elements }
            guard byte == UInt8(ascii: ",") else { throw fail("expected ',' or ']'", at: index - 1) }
        }
    }

    mutating func scanMembers(
        depth: Int, expanding expandKey: String?, into expanded: inout [JSONScanner.Element]?
    ) throws(JSONParseError) -> [JSONScanner.Member] {
        guard index < buffer.count, buffer[index] == UInt8(ascii: "{") else { throw fail("expected an object") }
        if depth > JSONParser.maximumDepth { throw fail("nesting deeper than \(JSONParser.maximumDepth)") }
        index += 1
        skipWhitespace()
        var members: [JSONScanner.Member] = []
        if index < buffer.count && buffer[index] == UInt8(ascii: "}") {
            index += 1
            return members
        }
        members.reserveCapacity(8)
        while true {
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipWhitespace()
            let start = index
            guard start < buffer.count else { throw fail("unexpected end of input") }
            if let expandKey, key == expandKey, buffer[start] == UInt8(ascii: "[") {
                expanded = try scanObjectElements(depth: depth + 1)
            } else {
                try skipValue(depth: depth + 1)
            }
            members.append(JSONScanner.Member(key: key, value: start..<index, kind: buffer[start]))
            skipWhitespace()
            guard index < buffer.count else { throw fail("unterminated object") }
            let byte = buffer[index]
            index += 1
            if byte == UInt8(ascii: "}") { return members }
            guard byte == UInt8(ascii: ",") else { throw fail("expected ',' or '}'", at: index - 1) }
        }
    }

    /// Advances over string content that needs no attention (no quote, backslash or control
    /// byte), eight bytes at a time; true when it passed a non-ASCII byte.
    @inline(__always)
    mutating func skipPlainBytes() -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var high: UInt64 = 0
        guard let base = buffer.baseAddress else { return false }
        while index + 8 <= buffer.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            // A byte is flagged when it is zero after the XOR (quote, backslash) or below 0x20.
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
            if special & highs != 0 { break }
            high |= word
            index += 8
        }
        return high & highs != 0
    }

    /// Steps over one value, validating it as ``parseValue(depth:)`` does, without building it.
    mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard index < buffer.count else { throw fail("unexpected end of input") }
        switch buffer[index] {
        case UInt8(ascii: "{"):
            if depth > JSONParser.maximumDepth { throw fail("nesting deeper than \(JSONParser.maximumDepth)") }
            index += 1
            skipWhitespace()
            if index < buffer.count && buffer[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                try skipString()
                skipWhitespace()
                guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard index < buffer.count else { throw fail("unterminated object") }
                let byte = buffer[index]
                index += 1
                if byte == UInt8(ascii: "}") { return }
                guard byte == UInt8(ascii: ",") else { throw fail("expected ',' or '}'", at: index - 1) }
            }
        case UInt8(ascii: "["):
            if depth > JSONParser.maximumDepth { throw fail("nesting deeper than \(JSONParser.maximumDepth)") }
            index += 1
            skipWhitespace()
            if index < buffer.count && buffer[index] == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard index < buffer.count else { throw fail("unterminated array") }
                let byte = buffer[index]
                index += 1
                if byte == UInt8(ascii: "]") { return }
                guard byte == UInt8(ascii: ",") else { throw fail("expected ',' or ']'", at: index - 1) }
            }
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try skipNumber()
        default:
            throw fail("unexpected character '\(Self.printable(buffer[index]))'")
        }
    }

    /// Steps over a number, checking its grammar; one with an exponent or over 300 digits is
    /// parsed as well, for the parser's range check.
    mutating func skipNumber() throws(JSONParseError) {
        let start = index
        if buffer[index] == UInt8(ascii: "-") { index += 1 }
        @inline(__always) func isDigit(_ i: Int) -> Bool { i < buffer.count && buffer[i] >= 0x30 && buffer[i] <= 0x39 }
        guard isDigit(index) else {
            index = start
            _ = try parseNumber()
            return
        }
        if buffer[index] == 0x30 {
            index += 1
        } else {
            while isDigit(index) { index += 1 }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else {
                index = start
                _ = try parseNumber()
                return
            }
            while isDigit(index) { index += 1 }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: "e") || buffer[index] == UInt8(ascii: "E") || index - start > 300 {
            index = start
            _ = try parseNumber()
        }
    }

    /// Steps over a string: escapes checked, raw bytes valid UTF-8, no lone surrogate escapes.
    mutating func skipString() throws(JSONParseError) {
        let start = index
        index += 1
        let contentStart = index
        var sawNonASCII = false
        while index < buffer.count {
            if skipPlainBytes() { sawNonASCII = true }
            guard index < buffer.count else { break }
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                if sawNonASCII {
                    let raw = UnsafeBufferPointer(rebasing: buffer[contentStart..<index])
                    let invalid = Self.firstInvalidUTF8(raw)
                    if invalid < raw.count {
                        throw JSONParseError(offset: contentStart + invalid, reason: "invalid UTF-8 in string")
                    }
                }
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard index < buffer.count else { throw fail("unterminated string", at: start) }
                let escaped = buffer[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    continue
                case UInt8(ascii: "u"):
                    let scalar = try readHex4()
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        guard index + 6 <= buffer.count, buffer[index] == UInt8(ascii: "\\"), buffer[index + 1] == UInt8(ascii: "u") else {
                            throw fail("a lone surrogate escape (the text must be parsed, not copied)")
                        }
                        index += 2
                        let low = try readHex4()
                        guard low >= 0xDC00 && low < 0xE000 else {
                            throw fail("a lone surrogate escape (the text must be parsed, not copied)")
                        }
                    } else if scalar >= 0xDC00 && scalar < 0xE000 {
                        throw fail("a lone surrogate escape (the text must be parsed, not copied)")
                    }
                default:
                    throw fail("invalid escape '\\\(Self.printable(escaped))'", at: index - 2)
                }
                continue
            }
            if byte < 0x20 { throw fail("control character in string") }
            if byte >= 0x80 { sawNonASCII = true }
            index += 1
        }
        throw fail("unterminated string", at: start)
    }
}
