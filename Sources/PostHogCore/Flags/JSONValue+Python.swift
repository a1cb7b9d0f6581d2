/// Python semantics of JSON values, as posthog-python applies them while matching flags.
extension JSONValue {
    /// Python truthiness: `null`, `false`, `0`, `0.0`, `""`, `[]` and `{}` are false.
    var isPythonTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .number(let text): return Self.isIntegerText(text) ? text.contains { $0 >= "1" && $0 <= "9" } : Double(text) != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }

    /// Python's `value or default`: this value when truthy, else `nil` (so that `?? default` applies).
    var ifTruthy: JSONValue? {
        // Spelled out: a bare `nil` next to a JSONValue would become `.null` through its nil literal.
        isPythonTruthy ? Optional.some(self) : Optional.none
    }

    /// Python `==` between JSON-decoded values (`1 == 1.0 == True`; strings by code point).
    func pythonEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.string(let a), .string(let b)): return PythonText.equal(a, b)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let otherValue = b[key], value.pythonEquals(otherValue) else { return false }
            }
            return true
        default:
            guard let a = pythonNumber, let b = other.pythonNumber else { return false }
            return a == b
        }
    }

    /// The value as a Python number (booleans are 0 and 1), for equality only.
    private var pythonNumber: Double? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .number(let text): return Double(text)
        default: return nil
        }
    }

    /// Whether a number's text is an integer (Python reads it as an exact `int`, else a `float`).
    static func isIntegerText(_ text: String) -> Bool {
        !text.contains { $0 == "." || $0 == "e" || $0 == "E" }
    }

    /// Python `str()` of the decoded value: `True`, `None`, `1.0`, `['a', 1]`, `{'k': 'v'}`.
    ///
    /// Used where posthog-python calls `str(value)` (regex patterns, dates, semver, cohort ids,
    /// group type indexes). Object keys print in code-point order: Swift dictionaries do not keep
    /// the JSON order Python would print.
    var pythonString: String {
        switch self {
        case .string(let s): return s
        default: return pythonRepr
        }
    }

    /// Python `repr()` of the decoded value.
    var pythonRepr: String {
        switch self {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return PythonText.reprFloat(d)
        case .number(let text): return Self.isIntegerText(text) ? text : PythonText.reprFloat(Double(text) ?? .nan)
        case .string(let s): return PythonText.repr(s)
        case .array(let a): return "[" + a.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .object(let o):
            let items = o.keys.sorted(by: PythonText.less).map { PythonText.repr($0) + ": " + o[$0]!.pythonRepr }
            return "{" + items.joined(separator: ", ") + "}"
        }
    }

    /// posthog-python's `_value_to_string`: strings as they are, everything else as compact JSON
    /// (`1` → `"1"`, `1.0` → `"1.0"`, `["a",1]`, objects with sorted keys). `nil` for a
    /// non-finite number, which the SDK cannot represent.
    var flagString: String? {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .double(let d): return PythonText.jsonFloat(d)
        case .number(let text): return Self.isIntegerText(text) ? text : PythonText.jsonFloat(Double(text) ?? .nan)
        case .array, .object:
            var out = ""
            return appendFlagJSON(to: &out) ? out : nil
        }
    }

    private func appendFlagJSON(to out: inout String) -> Bool {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            guard let text = PythonText.jsonFloat(d) else { return false }
            out += text
        case .number:
            guard let text = flagString else { return false }
            out += text
        case .string(let s): Self.appendQuoted(s, to: &out)
        case .array(let a):
            out += "["
            for (index, item) in a.enumerated() {
                if index > 0 { out += "," }
                guard item.appendFlagJSON(to: &out) else { return false }
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (index, key) in o.keys.sorted(by: PythonText.less).enumerated() {
                if index > 0 { out += "," }
                Self.appendQuoted(key, to: &out)
                out += ":"
                guard o[key]!.appendFlagJSON(to: &out) else { return false }
            }
            out += "}"
        }
        return true
    }

    /// `json.dumps(s, ensure_ascii=False)`.
    private static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + PythonText.hex(scalar.value, width: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// Legacy `exact` matching: `true`, `"true"` in any case, or an array of only such values.
    var flagIsTruthy: Bool {
        switch self {
        case .bool(let b): return b
        case .string(let s): return Self.asciiCaseInsensitiveEquals(s, "true")
        case .array(let a): return a.allSatisfy(\.flagIsTruthy)
        default: return false
        }
    }

    /// Legacy `exact` matching: whether the filter value reads as a boolean.
    var flagIsTruthyOrFalsy: Bool {
        switch self {
        case .bool: return true
        case .string(let s):
            return Self.asciiCaseInsensitiveEquals(s, "true") || Self.asciiCaseInsensitiveEquals(s, "false")
        case .array(let a): return a.allSatisfy(\.flagIsTruthyOrFalsy)
        default: return false
        }
    }

    /// `s.lower() == word` for an ASCII lower-case `word`. Only A–Z lower-case to a–z, so an
    /// ASCII comparison is exact.
    private static func asciiCaseInsensitiveEquals(_ s: String, _ word: StaticString) -> Bool {
        guard s.utf8.count == word.utf8CodeUnitCount else { return false }
        return word.withUTF8Buffer { expected in
            zip(s.utf8, expected).allSatisfy { ($0 &- 0x41 < 26 ? $0 | 0x20 : $0) == $1 }
        }
    }

    /// posthog-python's `_parse_numeric_value`: a finite number from a number or a plain decimal
    /// string (no white space, `inf`, `nan` or hex); `nil` for anything else, including booleans.
    var flagNumber: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d.isFinite ? d : nil
        case .string(let s):
            var bytes = Array(s.utf8)[...]
            if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
                bytes = bytes.dropFirst()
            }
            guard PythonText.isDecimalLiteral(bytes), let d = Double(s) ?? Self.parseLenient(s), d.isFinite else {
                return nil
            }
            return d
        default: return nil
        }
    }

    /// `Double(String)` rejects a few spellings Python accepts (`"1."`, `".5"`): normalise them.
    private static func parseLenient(_ s: String) -> Double? {
        var text = s
        if let dot = text.firstIndex(of: ".") {
            let after = text.index(after: dot)
            if after == text.endIndex || !text[after].isASCII || !text[after].isNumber {
                text.insert("0", at: after)
            }
        }
        if let dot = text.firstIndex(of: "."), dot == text.startIndex || !text[text.index(before: dot)].isNumber {
            text.insert("0", at: dot)
        }
        return Double(text)
    }
}
