/// Parses a flag's regex (Python `re` syntax) into a ``RegexNode`` for ``RegexProgram``.
///
/// posthog-python only evaluates the syntax on which Python `re` and the server's Rust
/// `fancy_regex` agree, and defers everything else to the server (spec §5.6). This scanner applies
/// the same deferral rules, in the same left-to-right order, so the same patterns defer. For the
/// patterns it keeps, it also finds the ones Python itself refuses to compile (such a filter is
/// `false`), and builds the pattern with Python's meaning: `.` excludes only `\n`, `$` is the
/// absolute end (posthog-python rewrites it to `\Z`), and `\d`, `\w`, `\s` are Python's Unicode
/// classes.
struct RegexTranslator {
    /// What became of a pattern.
    enum Outcome: Equatable {
        /// The pattern needs the server: `unsupported_definition`.
        case deferred
        /// Python `re.compile` rejects the pattern: the filter is `false` for `regex` and `not_regex`.
        case invalid
        /// The pattern can be evaluated locally.
        case translated(Translation)
    }

    /// The parsed pattern and what the value check needs to know about it.
    struct Translation: Equatable {
        var pattern: RegexNode
        var usesWordClass = false
        var usesSpaceClass = false
        var usesEndAnchor = false
        var usesQuantifierOrAlternation = false
    }

    /// Translates `pattern`. An empty pattern is the caller's business (it matches everything).
    static func translate(_ pattern: String) -> Outcome {
        var translator = RegexTranslator(pattern: Array(pattern.unicodeScalars))
        return translator.run()
    }

    // MARK: State

    /// What the previous token was, as far as the deferral rules care.
    private enum Previous: Equatable {
        case start, pipe, openGroup, caret, dollar, emptyGroup, quantifier, closeGroup, other
    }

    /// What Python's parser would repeat if a quantifier came next.
    private enum LastItem {
        case nothing, anchor, atom, repetition, lazyRepetition
    }

    /// The first problem Python's compiler would report.
    private enum CompileProblem {
        case syntax  // re.error: the filter is false
        case overflow  // OverflowError: posthog-python defers
    }

    private let p: [Unicode.Scalar]
    private var i = 0
    /// Open groups, innermost last; each holds its alternatives, the last one being filled.
    private var groups: [[[RegexNode]]] = [[[]]]
    private var previous = Previous.start
    private var groupHasQuantifier: [Bool] = []
    private var closedGroupHasQuantifier = false
    private var lastItem = LastItem.nothing
    private var problem: CompileProblem?
    private var translation = Translation(pattern: .sequence([]))

    private init(pattern: [Unicode.Scalar]) {
        p = pattern
    }

    private func char(_ index: Int) -> Unicode.Scalar? {
        index >= 0 && index < p.count ? p[index] : nil
    }

    private mutating func fail(_ kind: CompileProblem) {
        if problem == nil { problem = kind }
    }

    /// Deferral ends translation at once: nothing later can change the outcome.
    private struct Deferral: Error {}

    private mutating func run() -> Outcome {
        do throws(Deferral) {
            while i < p.count {
                let c = p[i]
                scanGroup(c)
                try translateOutside(c)
                i += 1
            }
        } catch {
            return .deferred
        }
        if !groupHasQuantifier.isEmpty { fail(.syntax) }  // missing ")"
        switch problem {
        case .overflow: return .deferred
        case .syntax: return .invalid
        case nil:
            translation.pattern = Self.node(alternatives: groups[0])
            return .translated(translation)
        }
    }

    // MARK: Building the tree

    private static func node(alternatives: [[RegexNode]]) -> RegexNode {
        let branches = alternatives.map { $0.count == 1 ? $0[0] : RegexNode.sequence($0) }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func append(_ node: RegexNode) {
        let group = groups.count - 1
        groups[group][groups[group].count - 1].append(node)
    }

    /// Applies a quantifier to the last item (a Python compile error was recorded if there is none).
    private mutating func repeatLast(min: Int, max: Int?) {
        let group = groups.count - 1
        let branch = groups[group].count - 1
        guard let last = groups[group][branch].popLast() else { return }
        groups[group][branch].append(.repetition(last, min: min, max: max))
    }

    // MARK: Group and quantifier bookkeeping (outside classes)

    private mutating func scanGroup(_ c: Unicode.Scalar) {
        if c == "$" { translation.usesEndAnchor = true }
        if "*+?{|".unicodeScalars.contains(c) { translation.usesQuantifierOrAlternation = true }
    }

    /// Quantifier bookkeeping that must run before the quantifier is translated.
    private mutating func noteQuantifier() throws(Deferral) {
        // A repeated group that already repeats something can backtrack catastrophically.
        if previous == .closeGroup && closedGroupHasQuantifier { throw Deferral() }
        if !groupHasQuantifier.isEmpty { groupHasQuantifier[groupHasQuantifier.count - 1] = true }
    }

    // MARK: Outside a class

    private mutating func translateOutside(_ c: Unicode.Scalar) throws(Deferral) {
        switch c {
        case "\\":
            try translateEscape()
            lastItem = .atom
        case "[":
            try translateClass()
            previous = .other
            lastItem = .atom
        case "(":
            groupHasQuantifier.append(false)
            if char(i + 1) == "?" {
                guard char(i + 2) == ":" else { throw Deferral() }
                i += 2
            }
            groups.append([[]])
            previous = .openGroup
            lastItem = .nothing
        case ")":
            if groupHasQuantifier.isEmpty {
                closedGroupHasQuantifier = false
                fail(.syntax)  // unbalanced parenthesis
            } else {
                closedGroupHasQuantifier = groupHasQuantifier.removeLast()
                if closedGroupHasQuantifier, !groupHasQuantifier.isEmpty {
                    groupHasQuantifier[groupHasQuantifier.count - 1] = true
                }
            }
            if groups.count > 1 { append(Self.node(alternatives: groups.removeLast())) }
            previous = (previous == .openGroup || previous == .emptyGroup) ? .emptyGroup : .closeGroup
            lastItem = .atom
        case "{":
            try noteQuantifier()
            try translateRepetition()
        case "*", "+", "?":
            try noteQuantifier()
            if previous == .caret || previous == .dollar || previous == .emptyGroup { throw Deferral() }
            if char(i + 1) == "+" || char(i + 1) == "{" { throw Deferral() }
            previous = .quantifier
            switch lastItem {
            case .nothing, .anchor: fail(.syntax)  // nothing to repeat
            case .atom: lastItem = .repetition
            case .repetition: if c == "?" { lastItem = .lazyRepetition } else { fail(.syntax) }  // multiple repeat
            case .lazyRepetition: fail(.syntax)
            }
            // A lazy "?" after a quantifier changes nothing about whether a match exists.
            if lastItem != .lazyRepetition {
                switch c {
                case "*": repeatLast(min: 0, max: nil)
                case "+": repeatLast(min: 1, max: nil)
                default: repeatLast(min: 0, max: 1)
                }
            }
        case "|":
            groups[groups.count - 1].append([])
            previous = .pipe
            lastItem = .nothing
        case "^":
            append(.start)
            previous = .caret
            lastItem = .anchor
        case "$":
            append(.end)
            previous = .dollar
            lastItem = .anchor
        case ".":
            append(.anyExceptNewline)
            previous = .other
            lastItem = .atom
        default:
            append(.literal(c.value))
            previous = .other
            lastItem = .atom
        }
    }

    /// `{n}`, `{n,}` or `{n,m}` after an atom; anything else defers.
    private mutating func translateRepetition() throws(Deferral) {
        var j = i + 1
        var low = ""
        while let d = char(j), d.value &- 0x30 < 10 {
            low.unicodeScalars.append(d)
            j += 1
        }
        var high: String?
        if !low.isEmpty, char(j) == "," {
            j += 1
            var text = ""
            while let d = char(j), d.value &- 0x30 < 10 {
                text.unicodeScalars.append(d)
                j += 1
            }
            high = text
        }
        guard !low.isEmpty, char(j) == "}" else { throw Deferral() }
        switch previous {
        case .start, .pipe, .openGroup, .caret, .dollar, .emptyGroup, .quantifier: throw Deferral()
        case .closeGroup, .other: break
        }
        for number in [low, high ?? ""] where !number.isEmpty {
            if number.unicodeScalars.count > 10 || UInt64(number)! > 0xFFFF_FFFF { throw Deferral() }
        }
        i = j
        if char(i + 1) == "+" || char(i + 1) == "{" { throw Deferral() }
        previous = .quantifier

        // Python's own limits: counts reach at most 4294967294, and max must not be below min.
        let maxRepeat: UInt64 = 0xFFFF_FFFF
        let lowValue = UInt64(low)!
        let highValue = high.flatMap { $0.isEmpty ? nil : UInt64($0)! }
        if lowValue >= maxRepeat || (highValue ?? 0) >= maxRepeat {
            fail(.overflow)
        } else if let highValue, highValue < lowValue {
            fail(.syntax)
        }
        switch lastItem {
        case .nothing, .anchor: fail(.syntax)
        case .atom: lastItem = .repetition
        case .repetition, .lazyRepetition: fail(.syntax)
        }
        if problem == nil {
            // Counts are below 2^32 here; a program too large to build makes the filter defer.
            repeatLast(min: Int(lowValue), max: high == nil ? Int(lowValue) : highValue.map { Int($0) })
        }
    }

    /// An escape outside a class; `i` is on the backslash and ends on the escape's last character.
    private mutating func translateEscape() throws(Deferral) {
        i += 1
        guard let e = char(i) else {
            fail(.syntax)  // bad escape (end of pattern)
            return
        }
        if e == "x" {
            append(.literal(try hexEscape().value))
        } else {
            if e == "b" || e == "B" || e == "<" || e == ">" { throw Deferral() }
            try assertEscapeSupported(e, inClass: false)
            noteEscapeClass(e)
            switch e {
            case "d", "D", "w", "W", "s", "S": append(.set(RegexCharacterSet(categories: [Self.category(e)])))
            case "f": append(.literal(0x0C))
            case "n": append(.literal(0x0A))
            case "r": append(.literal(0x0D))
            case "t": append(.literal(0x09))
            default: append(.literal(e.value))
            }
        }
        previous = .other
    }

    private static func category(_ e: Unicode.Scalar) -> RegexCharacterSet.Category {
        switch e {
        case "d": return .digit
        case "D": return .notDigit
        case "w": return .word
        case "W": return .notWord
        case "s": return .space
        default: return .notSpace
        }
    }

    /// `\xHH`: exactly two hex digits, else defer. `i` is on the `x` and ends on the last digit.
    private mutating func hexEscape() throws(Deferral) -> Unicode.Scalar {
        guard let a = char(i + 1), let b = char(i + 2), let high = Self.hexValue(a), let low = Self.hexValue(b) else {
            throw Deferral()
        }
        i += 2
        return Unicode.Scalar(UInt8(high * 16 + low))
    }

    private static func hexValue(_ c: Unicode.Scalar) -> Int? {
        switch c.value {
        case 0x30...0x39: return Int(c.value - 0x30)
        case 0x41...0x46: return Int(c.value - 0x41 + 10)
        case 0x61...0x66: return Int(c.value - 0x61 + 10)
        default: return nil
        }
    }

    /// Escapes the engines agree on: `\d \D \s \S \w \W \b \f \n \r \t` and printable ASCII
    /// punctuation; inside a class only a fixed list of punctuation.
    private func assertEscapeSupported(_ e: Unicode.Scalar, inClass: Bool) throws(Deferral) {
        if "dDsSwWbfnrt".unicodeScalars.contains(e) { return }
        let v = e.value
        let isAlphanumeric = (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v)
        guard (0x20...0x7E).contains(v), !isAlphanumeric else { throw Deferral() }
        if inClass && !"\\-[]^.$*+?(){}|".unicodeScalars.contains(e) { throw Deferral() }
    }

    private mutating func noteEscapeClass(_ e: Unicode.Scalar) {
        if e == "w" || e == "W" { translation.usesWordClass = true }
        if e == "s" || e == "S" { translation.usesSpaceClass = true }
    }

    // MARK: Character classes

    /// One element of a class, as Python's parser reads it.
    private enum ClassItem {
        case literal(UInt32)
        case category(Unicode.Scalar)  // d D s S w W
    }

    /// A class from `[` (at `i`) to its `]`; `i` ends on the `]`, or past the end when unterminated.
    private mutating func translateClass() throws(Deferral) {
        i += 1
        var negated = false
        if char(i) == "^" {
            negated = true
            i += 1
        }
        let contentStart = i
        var set = RegexCharacterSet(negated: negated)
        var pendingRange: ClassItem?  // the low end, once a "-" makes a range

        while true {
            guard let c = char(i) else {
                fail(.syntax)  // unterminated character set
                return
            }
            if c == "]" {
                if i == contentStart { throw Deferral() }  // [] or [^]: the engines disagree
                break
            }
            let item: ClassItem
            if c == "\\" {
                i += 1
                guard let e = char(i) else {
                    fail(.syntax)
                    return
                }
                if e == "x" {
                    item = .literal(try hexEscape().value)
                } else {
                    try assertEscapeSupported(e, inClass: true)
                    noteEscapeClass(e)
                    switch e {
                    case "d", "D", "s", "S", "w", "W": item = .category(e)
                    case "b": item = .literal(0x08)
                    case "f": item = .literal(0x0C)
                    case "n": item = .literal(0x0A)
                    case "r": item = .literal(0x0D)
                    case "t": item = .literal(0x09)
                    default: item = .literal(e.value)
                    }
                }
            } else {
                if c == "[" { throw Deferral() }
                if let next = char(i + 1), next == c, c == "&" || c == "-" || c == "~" { throw Deferral() }
                if c == "-", let next = char(i + 1), next != "]" { try assertRangeSupported() }
                item = .literal(c.value)
            }
            i += 1

            if let low = pendingRange {
                pendingRange = nil
                guard case .literal(let lo) = low, case .literal(let hi) = item, lo <= hi else {
                    fail(.syntax)  // bad character range
                    continue
                }
                set.ranges.append(lo...hi)
                continue
            }
            // Python reads "x-y" as a range unless the "-" is followed by the closing "]".
            if char(i) == "-", let after = char(i + 1), after != "]" {
                // Apply the checks the reference scan makes at this "-" before stepping over it.
                try assertClassHyphen()
                pendingRange = item
                i += 1
                continue
            }
            switch item {
            case .literal(let v): set.ranges.append(v...v)
            case .category(let e): set.categories.append(Self.category(e))
            }
        }
        append(.set(set))
    }

    /// The checks the reference scan applies when it meets a "-" inside a class (at `i`).
    private func assertClassHyphen() throws(Deferral) {
        if char(i + 1) == "-" { throw Deferral() }
        try assertRangeSupported()
    }

    /// A range must not have a shorthand class (`\d`, `\w`, …) at either end.
    private func assertRangeSupported() throws(Deferral) {
        let shorthands = "dDsSwW".unicodeScalars
        if char(i + 1) == "\\", let e = char(i + 2), shorthands.contains(e) { throw Deferral() }
        if i >= 2, char(i - 2) == "\\", let e = char(i - 1), shorthands.contains(e) { throw Deferral() }
    }

}
