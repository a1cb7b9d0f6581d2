/// The pieces of CPython 3.11 string and number semantics that flag matching depends on.
///
/// posthog-python compares, lower-cases, strips and prints values with Python's rules, which
/// differ from Swift's (Swift compares strings by canonical equivalence, Python by code points;
/// Swift's `lowercased()` has no Final_Sigma rule; Python prints `1e-05`, not `1e-5`).
enum PythonText {
    // MARK: Comparison

    /// Code-point equality (Python `==` on `str`), unlike Swift's canonical equivalence.
    static func equal(_ a: String, _ b: String) -> Bool {
        let count = a.utf8.count
        guard count == b.utf8.count else { return false }
        if let result = a.utf8.withContiguousStorageIfAvailable({ x in
            b.utf8.withContiguousStorageIfAvailable { y in bytesEqual(x, y, count) }
        }), let result {
            return result
        }
        return a.utf8.elementsEqual(b.utf8)
    }

    /// Compares `count` bytes, eight at a time.
    @inline(__always)
    static func bytesEqual(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>, _ count: Int) -> Bool {
        guard count > 0 else { return true }
        let p = UnsafeRawPointer(x.baseAddress!), q = UnsafeRawPointer(y.baseAddress!)
        var i = 0
        while i + 8 <= count {
            let left = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if left != q.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < count {
            if p.load(fromByteOffset: i, as: UInt8.self) != q.load(fromByteOffset: i, as: UInt8.self) { return false }
            i += 1
        }
        return true
    }

    /// Code-point order (Python `<` on `str`).
    static func less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    // MARK: Character classes

    /// Python `str.isspace()` for one code point.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// The value of a Unicode decimal digit (category Nd), as Python's `int()` reads it.
    static func decimalDigitValue(_ scalar: Unicode.Scalar) -> Int? {
        if scalar.value < 0x80 {
            let v = Int(scalar.value) - 0x30
            return (0...9).contains(v) ? v : nil
        }
        let properties = scalar.properties
        guard properties.numericType == .decimal, let value = properties.numericValue else { return nil }
        return Int(value)
    }

    /// Python `str.isalpha()` for one code point: general category L*.
    static func isAlpha(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// Python `str.strip()` with no argument.
    static func strip(_ string: String) -> Substring {
        var scalars = Substring(string).unicodeScalars[...]
        while let first = scalars.first, isSpace(first) { scalars.removeFirst() }
        while let last = scalars.last, isSpace(last) { scalars.removeLast() }
        return Substring(scalars)
    }

    // MARK: Case mapping

    /// Python `str.lower()`: full Unicode lower-case mapping, with the Final_Sigma rule.
    static func lowercased(_ string: String) -> String {
        if string.utf8.allSatisfy({ $0 < 0x80 }) {
            return asciiLowercased(string)
        }
        let scalars = Array(string.unicodeScalars)
        var result = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            if scalar.value < 0x80 {
                let v = scalar.value
                result.append((0x41...0x5A).contains(v) ? Unicode.Scalar(v + 0x20)! : scalar)
            } else if scalar.value == 0x03A3 {
                result.append(isFinalSigma(scalars, at: index) ? "\u{03C2}" : "\u{03C3}")
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(result)
    }

    /// Whether the capital sigma at `index` ends a word: preceded by a cased letter (skipping
    /// case-ignorable characters) and not followed by one.
    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var j = index - 1
        while j >= 0, scalars[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0, scalars[j].properties.isCased else { return false }
        j = index + 1
        while j < scalars.count, scalars[j].properties.isCaseIgnorable { j += 1 }
        return j == scalars.count || !scalars[j].properties.isCased
    }

    /// Lower-cases A–Z only (posthog-python's text operators).
    static func asciiLowercased(_ string: String) -> String {
        guard string.utf8.contains(where: { $0 &- 0x41 < 26 }) else { return string }
        return String(decoding: asciiLowercasedBytes(string), as: UTF8.self)
    }

    /// The UTF-8 bytes of `string` with A–Z lower-cased.
    static func asciiLowercasedBytes(_ string: String) -> [UInt8] {
        string.utf8.map { $0 &- 0x41 < 26 ? $0 | 0x20 : $0 }
    }

    // MARK: Printing

    /// Python `repr()` of a string.
    static func repr(_ string: String) -> String {
        let quote: Unicode.Scalar = string.contains("'") && !string.contains("\"") ? "\"" : "'"
        var out = String.UnicodeScalarView()
        out.append(quote)
        for scalar in string.unicodeScalars {
            switch scalar {
            case quote, "\\":
                out.append("\\")
                out.append(scalar)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7F {
                    out.append(contentsOf: ("\\x" + hex(v, width: 2)).unicodeScalars)
                } else if v < 0x7F || isPrintable(scalar) {
                    out.append(scalar)
                } else if v <= 0xFF {
                    out.append(contentsOf: ("\\x" + hex(v, width: 2)).unicodeScalars)
                } else if v <= 0xFFFF {
                    out.append(contentsOf: ("\\u" + hex(v, width: 4)).unicodeScalars)
                } else {
                    out.append(contentsOf: ("\\U" + hex(v, width: 8)).unicodeScalars)
                }
            }
        }
        out.append(quote)
        return String(out)
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
            return false
        case .spaceSeparator:
            return scalar == " "
        default:
            return true
        }
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Python `repr()` of a float: shortest round-trip digits, exponent form when the decimal
    /// exponent is below -4 or at least 16 (`1e-05`, `1e+16`, `30.0`).
    static func reprFloat(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let (negative, digits, point) = shortestDigits(value)
        let sign = negative ? "-" : ""
        let exponent = point - 1
        if exponent < -4 || exponent >= 16 {
            return sign + mantissa(digits) + "e" + (exponent < 0 ? "-" : "+") + twoDigits(abs(exponent))
        }
        return sign + fixed(digits, point: point)
    }

    /// posthog-python's `_format_json_float`: Python `repr`, except exponents -5 print as plain
    /// decimals and exponents are written without padding (`1e-7`, `1e+16`). `nil` when not finite.
    static func jsonFloat(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        let (negative, digits, point) = shortestDigits(value)
        let sign = negative ? "-" : ""
        let exponent = point - 1
        if exponent < -4 || exponent >= 16 {
            if exponent > -6 && exponent < 0 {
                return sign + "0." + String(repeating: "0", count: -point) + String(decoding: digits, as: UTF8.self)
            }
            return sign + mantissa(digits) + "e" + (exponent >= 0 ? "+" : "") + String(exponent)
        }
        return sign + fixed(digits, point: point)
    }

    private static func mantissa(_ digits: [UInt8]) -> String {
        var text = String(UnicodeScalar(digits[0]))
        if digits.count > 1 {
            text += "." + String(decoding: digits[1...], as: UTF8.self)
        }
        return text
    }

    private static func fixed(_ digits: [UInt8], point: Int) -> String {
        let text = String(decoding: digits, as: UTF8.self)
        if point <= 0 {
            return "0." + String(repeating: "0", count: -point) + text
        }
        if point >= digits.count {
            return text + String(repeating: "0", count: point - digits.count) + ".0"
        }
        let split = text.index(text.startIndex, offsetBy: point)
        return text[..<split] + "." + text[split...]
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }

    /// The shortest decimal digits that round-trip `value` (as Python and Swift both print them),
    /// with the value being `0.d1d2d3… × 10^point`. Zero is `("0", 1)`.
    static func shortestDigits(_ value: Double) -> (negative: Bool, digits: [UInt8], point: Int) {
        let negative = value.sign == .minus
        // Swift's description already uses the shortest round-trip digits; only its layout
        // differs from Python's, so take the digits and the exponent apart.
        let text = Array(value.magnitude.description.utf8)
        var digits: [UInt8] = []
        var point = 0
        var seenPoint = false
        var exponent = 0
        var index = 0
        while index < text.count {
            let c = text[index]
            if c == UInt8(ascii: ".") {
                seenPoint = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                exponent = Int(String(decoding: text[(index + 1)...], as: UTF8.self)) ?? 0
                break
            } else {
                digits.append(c)
                if !seenPoint { point += 1 }
            }
            index += 1
        }
        while digits.count > 1, digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            point -= 1
        }
        while digits.count > 1, digits.last == UInt8(ascii: "0") {
            digits.removeLast()
        }
        if digits == [UInt8(ascii: "0")] { return (negative, digits, 1) }
        return (negative, digits, point + exponent)
    }

    // MARK: Parsing

    /// Python `float(str)`: surrounding white space, a sign, `_` between digits, any Unicode
    /// decimal digits, and `inf`/`infinity`/`nan` in any case.
    static func parseFloat(_ string: String) -> Double? {
        var ascii: [UInt8] = []
        for scalar in strip(string).unicodeScalars {
            if scalar.value < 0x80 {
                ascii.append(UInt8(scalar.value))
            } else if let digit = decimalDigitValue(scalar) {
                ascii.append(UInt8(0x30 + digit))
            } else {
                return nil
            }
        }
        var body = ascii[...]
        var negative = false
        if let first = body.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        let word = String(decoding: body, as: UTF8.self).lowercased()
        if word == "inf" || word == "infinity" { return negative ? -.infinity : .infinity }
        if word == "nan" { return .nan }
        guard let cleaned = removeDigitSeparators(body), isDecimalLiteral(cleaned[...]) else { return nil }
        guard let magnitude = Double(String(decoding: cleaned, as: UTF8.self)) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// Drops `_` that sit between two digits; `nil` when an `_` sits anywhere else.
    private static func removeDigitSeparators(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        let array = Array(bytes)
        for (i, b) in array.enumerated() {
            if b == UInt8(ascii: "_") {
                guard i > 0, i + 1 < array.count, isDigit(array[i - 1]), isDigit(array[i + 1]) else { return nil }
                continue
            }
            out.append(b)
        }
        return out
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    /// `(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?` over the whole input (no sign).
    static func isDecimalLiteral(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        let end = bytes.endIndex
        var integerDigits = 0
        while i < end, isDigit(bytes[i]) {
            i += 1
            integerDigits += 1
        }
        var fractionDigits = 0
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, isDigit(bytes[i]) {
                i += 1
                fractionDigits += 1
            }
        }
        guard integerDigits > 0 || fractionDigits > 0 else { return false }
        if i < end, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < end, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            var exponentDigits = 0
            while i < end, isDigit(bytes[i]) {
                i += 1
                exponentDigits += 1
            }
            guard exponentDigits > 0 else { return false }
        }
        return i == end
    }
}
