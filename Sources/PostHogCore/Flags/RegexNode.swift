/// A parsed flag regex, in the subset of Python `re` that local evaluation supports (see
/// ``RegexTranslator``): no backreferences, lookarounds, word boundaries or inline flags.
indirect enum RegexNode: Equatable, Sendable {
    /// One code point.
    case literal(UInt32)
    /// `.`: any code point except `\n`.
    case anyExceptNewline
    /// `[...]`, `\d`, `\w`, `\s` and their negations.
    case set(RegexCharacterSet)
    /// `^`: the start of the value (no multiline mode).
    case start
    /// `$`, which posthog-python turns into Python's `\Z`: the very end of the value.
    case end
    /// Nodes matched one after the other.
    case sequence([RegexNode])
    /// `a|b|c`.
    case alternation([RegexNode])
    /// `x*`, `x+`, `x?`, `x{n}`, `x{n,}`, `x{n,m}` (`max` is `nil` when unbounded). Laziness does
    /// not change whether a match exists, so it is not kept.
    case repetition(RegexNode, min: Int, max: Int?)
}

/// A character class with Python's (Unicode) meaning of `\d`, `\w` and `\s`.
struct RegexCharacterSet: Equatable, Sendable {
    enum Category: Equatable, Sendable {
        case digit, notDigit, word, notWord, space, notSpace

        func contains(_ c: UInt32) -> Bool {
            switch self {
            case .digit: return Self.isDigit(c)
            case .notDigit: return !Self.isDigit(c)
            case .word: return Self.isWord(c)
            case .notWord: return !Self.isWord(c)
            case .space: return Self.isSpace(c)
            case .notSpace: return !Self.isSpace(c)
            }
        }

        /// Python `str.isdecimal()`.
        private static func isDigit(_ c: UInt32) -> Bool {
            if c < 0x80 { return c &- 0x30 < 10 }
            guard let scalar = Unicode.Scalar(c) else { return false }
            return scalar.properties.numericType == .decimal
        }

        /// Python's `\w`: `str.isalnum()` or `_` (letters, and anything with a numeric value).
        private static func isWord(_ c: UInt32) -> Bool {
            if c < 0x80 {
                return c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 26 || c == 0x5F
            }
            guard let scalar = Unicode.Scalar(c) else { return false }
            return PythonText.isAlpha(scalar) || scalar.properties.numericType != nil
        }

        /// Python `str.isspace()`.
        private static func isSpace(_ c: UInt32) -> Bool {
            guard let scalar = Unicode.Scalar(c) else { return false }
            return PythonText.isSpace(scalar)
        }
    }

    var negated = false
    /// Inclusive code-point ranges (single characters are one-element ranges).
    var ranges: [ClosedRange<UInt32>] = []
    var categories: [Category] = []

    func contains(_ c: UInt32) -> Bool {
        var found = false
        for range in ranges where range.contains(c) {
            found = true
            break
        }
        if !found {
            for category in categories where category.contains(c) {
                found = true
                break
            }
        }
        return found != negated
    }
}
