/// The position in a UTF-8 buffer that ``JSONParser`` and ``JSONScanner`` read from: values are
/// parsed (or skipped) from `index` on, and errors carry the byte offset.
struct JSONCursor {
    let buffer: UnsafeBufferPointer<UInt8>
    var index = 0
    var scratch: [UInt8] = []

    init(buffer: UnsafeBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < buffer.count {
            switch buffer[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    func fail(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? index, reason: reason)
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < buffer.count else { throw fail("unexpected end of input") }
        switch buffer[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw fail("unexpected character '\(Self.printable(buffer[index]))'")
        }
    }

    static func printable(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return String(UnicodeScalar(byte)) }
        return "\\x" + String(byte, radix: 16)
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= buffer.count else { throw fail("invalid literal") }
        let base = literal.utf8Start
        for i in 0..<count where buffer[index + i] != base[i] {
            throw fail("invalid literal")
        }
        index += count
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > JSONParser.maximumDepth { throw fail("nesting deeper than \(JSONParser.maximumDepth)") }
        index += 1
        // Sized up front: growing a dictionary rehashes every key, which costs more than the
        // parse itself for typical event objects (10-20 keys).
        var object = [String: JSONValue](minimumCapacity: 16)
        skipWhitespace()
        if index < buffer.count && buffer[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard index < buffer.count else { throw fail("unterminated object") }
            guard buffer[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            object[key] = value
            skipWhitespace()
            guard index < buffer.count else { throw fail("unterminated object") }
            switch buffer[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(object)
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > JSONParser.maximumDepth { throw fail("nesting deeper than \(JSONParser.maximumDepth)") }
        index += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if index < buffer.count && buffer[index] == UInt8(ascii: "]") {
            index += 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            array.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < buffer.count else { throw fail("unterminated array") }
            switch buffer[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(array)
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        let start = index
        index += 1
        let contentStart = index
        // Fast path: no escapes; UTF-8 checked by makeString.
        while index < buffer.count {
            _ = skipPlainBytes()
            guard index < buffer.count else { break }
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: buffer[contentStart..<index])
                index += 1
                return try Self.makeString(slice, at: contentStart)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("control character in string") }
            index += 1
        }
        guard index < buffer.count else { throw fail("unterminated string", at: start) }
        // Slow path: copy with escapes resolved.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[contentStart..<index]))
        while index < buffer.count {
            let byte = buffer[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                let valid = scratch.withUnsafeBufferPointer { Self.firstInvalidUTF8($0) == $0.count }
                if valid { return scratch.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) } }
                // Escapes are ASCII, so the first bad sequence in the raw input is the culprit.
                let raw = UnsafeBufferPointer(rebasing: buffer[contentStart..<(index - 1)])
                throw JSONParseError(offset: contentStart + Self.firstInvalidUTF8(raw), reason: "invalid UTF-8 in string")
            case UInt8(ascii: "\\"):
                index += 1
                guard index < buffer.count else { throw fail("unterminated string", at: start) }
                let escaped = buffer[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"): try parseUnicodeEscape()
                default: throw fail("invalid escape '\\\(Self.printable(escaped))'", at: index - 2)
                }
            default:
                if byte < 0x20 { throw fail("control character in string") }
                scratch.append(byte)
                index += 1
            }
        }
        throw fail("unterminated string", at: start)
    }

    mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= buffer.count else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = buffer[index]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    mutating func parseUnicodeEscape() throws(JSONParseError) {
        var scalar = try readHex4()
        if scalar >= 0xD800 && scalar < 0xDC00 {
            // A high surrogate must be followed by an escaped low surrogate; a lone one becomes U+FFFD.
            if index + 6 <= buffer.count && buffer[index] == UInt8(ascii: "\\") && buffer[index + 1] == UInt8(ascii: "u") {
                let save = index
                index += 2
                let low = try readHex4()
                if low >= 0xDC00 && low < 0xE000 {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    index = save
                    scalar = 0xFFFD
                }
            } else {
                scalar = 0xFFFD
            }
        } else if scalar >= 0xDC00 && scalar < 0xE000 {
            scalar = 0xFFFD
        }
        appendUTF8(scalar)
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (scalar >> 6)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (scalar >> 12)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (scalar >> 18)))
            scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    static func makeString(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) throws(JSONParseError) -> String {
        // Validated here rather than by `String(validating:)`, whose generic path costs more than
        // the rest of the parse; valid input then takes String's unchecked fast path.
        let invalid = firstInvalidUTF8(bytes)
        if invalid < bytes.count {
            throw JSONParseError(offset: offset + invalid, reason: "invalid UTF-8 in string")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The index of the first byte of `bytes` that does not start a valid UTF-8 sequence
    /// (`bytes.count` when all of it is valid): RFC 3629, no overlong forms, no surrogates.
    static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let count = bytes.count
        var i = 0
        while i < count {
            // Eight ASCII bytes at a time.
            if i + 8 <= count {
                let word = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
            }
            let b0 = bytes[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            @inline(__always) func cont(_ k: Int) -> Bool { i + k < count && bytes[i + k] & 0xC0 == 0x80 }
            switch b0 {
            case 0xC2...0xDF:
                guard cont(1) else { return i }
                i += 2
            case 0xE0...0xEF:
                guard i + 1 < count else { return i }
                let b1 = bytes[i + 1]
                let low: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80
                let high: UInt8 = b0 == 0xED ? 0x9F : 0xBF
                guard b1 >= low && b1 <= high, cont(2) else { return i }
                i += 3
            case 0xF0...0xF4:
                guard i + 1 < count else { return i }
                let b1 = bytes[i + 1]
                let low: UInt8 = b0 == 0xF0 ? 0x90 : 0x80
                let high: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF
                guard b1 >= low && b1 <= high, cont(2), cont(3) else { return i }
                i += 4
            default:
                return i
            }
        }
        return count
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var negative = false
        if buffer[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < buffer.count, buffer[index] >= 0x30, buffer[index] <= 0x39 else {
            throw fail("invalid number", at: start)
        }
        var magnitude: UInt64 = 0
        var overflow = false
        // Significant digits (from the first non-zero one), to tell when a Double cannot hold the value.
        var significant = 0
        if buffer[index] == 0x30 {
            index += 1
        } else {
            while index < buffer.count, buffer[index] >= 0x30, buffer[index] <= 0x39 {
                significant += 1
                let digit = UInt64(buffer[index] - 0x30)
                let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(digit)
                if o1 || o2 { overflow = true }
                magnitude = m2
                index += 1
            }
        }
        var isInteger = true
        if index < buffer.count, buffer[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < buffer.count, buffer[index] >= 0x30, buffer[index] <= 0x39 else {
                throw fail("invalid number: digits expected after '.'", at: start)
            }
            while index < buffer.count, buffer[index] >= 0x30, buffer[index] <= 0x39 {
                if significant > 0 || buffer[index] != 0x30 { significant += 1 }
                index += 1
            }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: "e") || buffer[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < buffer.count, buffer[index] == UInt8(ascii: "+") || buffer[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < buffer.count, buffer[index] >= 0x30, buffer[index] <= 0x39 else {
                throw fail("invalid number: digits expected in exponent", at: start)
            }
            while index < buffer.count, buffer[index] >= 0x30, buffer[index] <= 0x39 { index += 1 }
        }
        if isInteger && !overflow {
            if negative {
                if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
                if magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
            } else if magnitude <= UInt64(Int64.max) {
                return .int(Int64(magnitude))
            }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self)
        guard let d = Double(text) else { throw fail("invalid number", at: start) }
        // Refused like PostHog's own parser does: infinity cannot be written back as JSON.
        guard d.isFinite else { throw fail("number out of range", at: start) }
        // A value no Int64 or Double holds exactly keeps its text: an integer past 64 bits, more
        // digits than a Double carries, or a magnitude below its range.
        if isInteger || significant > 17 || (d == 0 && significant > 0) { return .number(text) }
        return .double(d)
    }
}
