/// A person or group property filter, compiled once: the operator resolved, the filter value
/// converted, lower-cased, parsed or translated ahead of time.
final class PropertyMatcher: Sendable {
    /// The property name the filter reads.
    enum Key: Sendable {
        /// A property name and its slot in a ``PropertyLookupCache``.
        case name(String, slot: Int)
        /// A `null`, number or boolean key: never present in a property map.
        case neverPresent
        /// A list or object key: Python cannot even look it up.
        case unhashable
    }

    enum TextKind: Sendable {
        case contains, prefix, suffix
    }

    enum NumericComparison: Sendable {
        case greater, greaterOrEqual, less, lessOrEqual
    }

    /// The `exact` / `is_not` filter value.
    enum ExactValue: Sendable {
        /// `[]`: matches when the property is truthy.
        case emptyList
        /// Legacy matching of a boolean-like filter value: compares truthiness.
        case legacyBoolean(Bool)
        /// Any of these lower-cased strings; `nil` when an item cannot be represented.
        case anyOf([String]?)
    }

    enum RegexValue: Sendable {
        case matchesEverything
        case deferred
        case invalid
        case compiled(CompiledRegex)
    }

    /// A date filter value: relative to the evaluation clock, absolute, or a bare year.
    enum DateValue: Sendable {
        case relative(RelativeDate, fallback: String)
        case absolute(Int64?)
        case clockDependent(String)
    }

    indirect enum SemverValue: Sendable {
        case invalid
        case equal(SemanticVersion), notEqual(SemanticVersion)
        case greater(SemanticVersion), greaterOrEqual(SemanticVersion)
        case less(SemanticVersion), lessOrEqual(SemanticVersion)
        case range(Range<SemanticVersion>)
    }

    enum Operation: Sendable {
        case unknownOperator
        case isSet
        case isNotSet
        case exact(ExactValue, negated: Bool)
        case text(TextKind, needle: [UInt8]?, negated: Bool)
        case regex(RegexValue, negated: Bool)
        case numeric(NumericComparison, threshold: Double?)
        case date(before: Bool, DateValue)
        case semver(SemverValue)
    }

    let key: Key
    let operation: Operation
    /// Where a ``PersonPropertyCache`` keeps this filter's outcome.
    let resultSlot: Int

    /// Compiles `filter` (a JSON object that is not a cohort or flag filter).
    init(filter: [String: JSONValue], resultSlot: Int, compiler: inout FlagCompiler) {
        self.resultSlot = resultSlot
        let explicitMatching = compiler.explicitMatching
        switch filter["key"] ?? .null {
        case .string(let name): key = .name(name, slot: compiler.slot(forProperty: name))
        case .array, .object: key = .unhashable
        default: key = .neverPresent
        }
        let value = filter["value"] ?? .null
        let op = filter["operator"]?.ifTruthy ?? .string("exact")
        guard case .string(let name) = op else {
            operation = .unknownOperator
            return
        }
        switch name {
        case "exact": operation = .exact(Self.exactValue(value, explicitMatching: explicitMatching), negated: false)
        case "is_not": operation = .exact(Self.exactValue(value, explicitMatching: explicitMatching), negated: true)
        case "is_set": operation = .isSet
        case "is_not_set": operation = .isNotSet
        case "icontains": operation = .text(.contains, needle: Self.needle(value), negated: false)
        case "not_icontains": operation = .text(.contains, needle: Self.needle(value), negated: true)
        case "starts_with": operation = .text(.prefix, needle: Self.needle(value), negated: false)
        case "not_starts_with": operation = .text(.prefix, needle: Self.needle(value), negated: true)
        case "ends_with": operation = .text(.suffix, needle: Self.needle(value), negated: false)
        case "not_ends_with": operation = .text(.suffix, needle: Self.needle(value), negated: true)
        case "regex": operation = .regex(Self.regexValue(value, cache: &compiler.regexCache), negated: false)
        case "not_regex": operation = .regex(Self.regexValue(value, cache: &compiler.regexCache), negated: true)
        case "gt": operation = .numeric(.greater, threshold: value.flagNumber)
        case "gte": operation = .numeric(.greaterOrEqual, threshold: value.flagNumber)
        case "lt": operation = .numeric(.less, threshold: value.flagNumber)
        case "lte": operation = .numeric(.lessOrEqual, threshold: value.flagNumber)
        case "is_date_before": operation = .date(before: true, Self.dateValue(value))
        case "is_date_after": operation = .date(before: false, Self.dateValue(value))
        case "semver_eq", "semver_neq", "semver_gt", "semver_gte", "semver_lt", "semver_lte",
            "semver_tilde", "semver_caret", "semver_wildcard":
            operation = .semver(Self.semverValue(name, value))
        default:
            // Includes `is_date_exact`, which only the server supports.
            operation = .unknownOperator
        }
    }

    private static func exactValue(_ value: JSONValue, explicitMatching: Bool) -> ExactValue {
        if case .array(let items) = value, items.isEmpty { return .emptyList }
        if !explicitMatching && value.flagIsTruthyOrFalsy { return .legacyBoolean(value.flagIsTruthy) }
        let items: [JSONValue]
        if case .array(let list) = value { items = list } else { items = [value] }
        var lowered: [String] = []
        for item in items {
            guard let text = item.flagString else { return .anyOf(nil) }
            lowered.append(PythonText.lowercased(text))
        }
        return .anyOf(lowered)
    }

    private static func needle(_ value: JSONValue) -> [UInt8]? {
        value.flagString.map(PythonText.asciiLowercasedBytes)
    }

    private static func regexValue(_ value: JSONValue, cache: inout [String: RegexValue]) -> RegexValue {
        let pattern = value.pythonString
        if pattern.isEmpty { return .matchesEverything }
        if let cached = cache[pattern] { return cached }
        let compiled: RegexValue
        switch RegexTranslator.translate(pattern) {
        case .deferred: compiled = .deferred
        case .invalid: compiled = .invalid
        case .translated(let translation):
            // A pattern too large to compile (huge repetition counts) cannot be checked locally.
            compiled = CompiledRegex(translation).map(RegexValue.compiled) ?? .deferred
        }
        cache[pattern] = compiled
        return compiled
    }

    private static func dateValue(_ value: JSONValue) -> DateValue {
        let text = value.pythonString
        if let relative = RelativeDate(parsing: text) { return .relative(relative, fallback: text) }
        let stripped = PythonText.strip(text).unicodeScalars
        if stripped.count == 4 && stripped.allSatisfy({ PythonText.decimalDigitValue($0) != nil }) {
            return .clockDependent(text)
        }
        return .absolute(PythonDateTime.parse(text, now: 0))
    }

    private static func semverValue(_ name: String, _ value: JSONValue) -> SemverValue {
        let text = value.pythonString
        switch name {
        case "semver_tilde": return SemanticVersion.tildeRange(text).map(SemverValue.range) ?? .invalid
        case "semver_caret": return SemanticVersion.caretRange(text).map(SemverValue.range) ?? .invalid
        case "semver_wildcard": return SemanticVersion.wildcardRange(text).map(SemverValue.range) ?? .invalid
        default: break
        }
        guard let version = SemanticVersion(parsing: text) else { return .invalid }
        switch name {
        case "semver_eq": return .equal(version)
        case "semver_neq": return .notEqual(version)
        case "semver_gt": return .greater(version)
        case "semver_gte": return .greaterOrEqual(version)
        case "semver_lt": return .less(version)
        default: return .lessOrEqual(version)
        }
    }
}
