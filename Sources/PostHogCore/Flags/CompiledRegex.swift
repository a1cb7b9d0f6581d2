/// A flag regex ready to run: the compiled program plus posthog-python's value checks.
final class CompiledRegex: Sendable {
    private let program: RegexProgram
    private let translation: RegexTranslator.Translation

    /// `nil` when the pattern is too large to compile (the evaluator then defers the filter).
    init?(_ translation: RegexTranslator.Translation) {
        guard let program = RegexProgram(translation.pattern) else { return nil }
        self.program = program
        self.translation = translation
    }

    /// Whether `value` is one the engines agree on (posthog-python defers the others):
    /// no final line feed when `$` meets a quantifier or alternation, no non-ASCII character
    /// outside letters and decimal digits when `\w` is used, and no U+001C–U+001F with `\s`.
    func acceptsValue(_ value: String) -> Bool {
        if translation.usesEndAnchor && translation.usesQuantifierOrAlternation && value.unicodeScalars.last == "\n" {
            return false
        }
        if translation.usesWordClass && !value.utf8.allSatisfy({ $0 < 0x80 }) {
            for scalar in value.unicodeScalars where scalar.value >= 0x80 {
                if !PythonText.isAlpha(scalar) && PythonText.decimalDigitValue(scalar) == nil { return false }
            }
        }
        if translation.usesSpaceClass && value.unicodeScalars.contains(where: { (0x1C...0x1F).contains($0.value) }) {
            return false
        }
        return true
    }

    /// Python `re.search`: a match anywhere in `value`.
    func search(_ value: String) -> Bool {
        program.search(value)
    }
}
