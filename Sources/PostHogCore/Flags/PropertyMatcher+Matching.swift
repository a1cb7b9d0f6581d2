extension PropertyMatcher {
    /// Whether the properties in `scope` satisfy the filter (posthog-python's `match_property`).
    ///
    /// A missing property is `missing_context`, unless the filter value itself is unusable, which
    /// the SDK reports first as `unsupported_definition`.
    func matches(_ scope: PropertyScope, now: Int64) throws(EvaluationError) -> Bool {
        if let cache = scope.cache {
            return try cache.result(slot: resultSlot) { () throws(EvaluationError) -> Bool in
                try matchesUncached(scope, now: now)
            }
        }
        return try matchesUncached(scope, now: now)
    }

    private func matchesUncached(_ scope: PropertyScope, now: Int64) throws(EvaluationError) -> Bool {
        do throws(EvaluationError) {
            return try match(scope, now: now)
        } catch {
            if error == .inconclusive(.missingContext) && isFilterUnsupported(now: now) {
                throw .inconclusive(.unsupportedDefinition)
            }
            throw error
        }
    }

    /// Whether the filter cannot be used whatever the properties: an unknown operator, or a value
    /// the operator cannot parse (posthog-python's `_assert_filter_supported`).
    func isFilterUnsupported(now: Int64) -> Bool {
        switch operation {
        case .unknownOperator: return true
        case .isSet, .isNotSet: return false
        case .exact(let value, _):
            if case .anyOf(nil) = value { return true }
            return false
        case .text(_, let needle, _): return needle == nil
        case .regex(let regex, _):
            if case .deferred = regex { return true }
            return false
        case .numeric(_, let threshold): return threshold == nil
        case .date(_, let date): return Self.instant(of: date, now: now) == nil
        case .semver(let semver):
            if case .invalid = semver { return true }
            return false
        }
    }

    private func match(_ scope: PropertyScope, now: Int64) throws(EvaluationError) -> Bool {
        if case .unknownOperator = operation { throw .inconclusive(.unsupportedDefinition) }
        let value: JSONValue?
        var cachedSlot: Int?
        switch key {
        case .name(let name, let slot):
            value = scope.value(forKey: name, slot: slot)
            if scope.cache != nil { cachedSlot = slot }
        case .neverPresent: value = nil
        case .unhashable: throw .malformed
        }
        guard let value else { throw .inconclusive(.missingContext) }

        switch operation {
        case .unknownOperator:
            throw .inconclusive(.unsupportedDefinition)
        case .isSet:
            return true
        case .isNotSet:
            return false
        case .numeric(let comparison, let threshold):
            guard let threshold else { throw .inconclusive(.unsupportedDefinition) }
            guard let number = value.flagNumber else { return false }
            switch comparison {
            case .greater: return number > threshold
            case .greaterOrEqual: return number >= threshold
            case .less: return number < threshold
            case .lessOrEqual: return number <= threshold
            }
        case .exact(let expected, let negated):
            let matched = try Self.exactMatches(expected, value)
            return negated ? !matched : matched
        case .text(let kind, let needle, let negated):
            guard let text = value.flagString else { throw .inconclusive(.missingContext) }
            guard let needle else { throw .inconclusive(.unsupportedDefinition) }
            let matched = Self.textMatches(kind, haystack: text, needle: needle)
            return negated ? !matched : matched
        case .regex(let regex, let negated):
            guard let text = value.flagString else { throw .inconclusive(.missingContext) }
            let matched: Bool
            switch regex {
            case .matchesEverything: matched = true
            case .deferred: throw .inconclusive(.unsupportedDefinition)
            case .invalid: return false  // for both regex and not_regex
            case .compiled(let compiled):
                guard compiled.acceptsValue(text) else { throw .inconclusive(.unsupportedDefinition) }
                matched = compiled.search(text)
            }
            return negated ? !matched : matched
        case .date(let before, let date):
            if case .null = value { return false }
            guard let filterInstant = Self.instant(of: date, now: now) else {
                throw .inconclusive(.unsupportedDefinition)
            }
            guard case .string(let text) = value else { throw .inconclusive(.missingContext) }
            let parsed: Int64?
            if let cache = scope.cache, let slot = cachedSlot {
                parsed = cache.instant(slot: slot) { PythonDateTime.parse(text, now: now) }
            } else {
                parsed = PythonDateTime.parse(text, now: now)
            }
            guard let instant = parsed else {
                throw .inconclusive(.missingContext)
            }
            return before ? instant < filterInstant : instant > filterInstant
        case .semver(let semver):
            if case .null = value { return false }
            if case .invalid = semver { throw .inconclusive(.unsupportedDefinition) }
            let parsed: SemanticVersion?
            if let cache = scope.cache, let slot = cachedSlot {
                parsed = cache.version(slot: slot) { SemanticVersion(parsing: value.pythonString) }
            } else {
                parsed = SemanticVersion(parsing: value.pythonString)
            }
            guard let version = parsed else {
                throw .inconclusive(.missingContext)
            }
            switch semver {
            case .invalid: throw .inconclusive(.unsupportedDefinition)
            case .equal(let v): return version == v
            case .notEqual(let v): return version != v
            case .greater(let v): return version > v
            case .greaterOrEqual(let v): return version >= v
            case .less(let v): return version < v
            case .lessOrEqual(let v): return version <= v
            case .range(let range): return range.contains(version)
            }
        }
    }

    /// posthog-python's `_match_exact_property` (before `is_not` negation).
    private static func exactMatches(_ expected: ExactValue, _ value: JSONValue) throws(EvaluationError) -> Bool {
        // The SDK converts the property first, so an unusable property is reported before anything else.
        guard let text = value.flagString else { throw .inconclusive(.missingContext) }
        switch expected {
        case .emptyList:
            return value.flagIsTruthy
        case .legacyBoolean(let truthy):
            return truthy == value.flagIsTruthy
        case .anyOf(let candidates):
            guard let candidates else { throw .inconclusive(.unsupportedDefinition) }
            return lowercased(text, equalsAnyOf: candidates)
        }
    }

    /// Whether Python's `text.lower()` is one of `candidates` (already lower-cased).
    private static func lowercased(_ text: String, equalsAnyOf candidates: [String]) -> Bool {
        var text = text
        let asciiMatch: Bool? = text.withUTF8 { bytes in
            for b in bytes where b >= 0x80 { return nil }
            for var candidate in candidates where candidate.utf8.count == bytes.count {
                let equal = candidate.withUTF8 { expected in
                    for i in 0..<bytes.count {
                        let b = bytes[i]
                        if (b &- 0x41 < 26 ? b | 0x20 : b) != expected[i] { return false }
                    }
                    return true
                }
                if equal { return true }
            }
            return false
        }
        if let asciiMatch { return asciiMatch }
        let lowered = PythonText.lowercased(text)
        return candidates.contains { PythonText.equal($0, lowered) }
    }

    /// ASCII-case-insensitive substring, prefix or suffix test on UTF-8 (code-point exact).
    private static func textMatches(_ kind: TextKind, haystack text: String, needle: [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { hay in
            needle.withUnsafeBufferPointer { needle in
                let n = needle.count
                guard n <= hay.count else { return false }
                @inline(__always) func equal(at offset: Int) -> Bool {
                    var j = 0
                    while j < n {
                        let b = hay[offset + j]
                        if (b &- 0x41 < 26 ? b | 0x20 : b) != needle[j] { return false }
                        j += 1
                    }
                    return true
                }
                switch kind {
                case .prefix: return equal(at: 0)
                case .suffix: return equal(at: hay.count - n)
                case .contains:
                    var offset = 0
                    while offset <= hay.count - n {
                        if equal(at: offset) { return true }
                        offset += 1
                    }
                    return false
                }
            }
        }
    }

    /// The instant a date filter stands for at `now`; `nil` when it cannot be parsed.
    static func instant(of date: DateValue, now: Int64) -> Int64? {
        switch date {
        case .absolute(let instant):
            return instant
        case .clockDependent(let text):
            return PythonDateTime.parse(text, now: now)
        case .relative(let relative, let fallback):
            switch relative.resolve(now: now) {
            case .instant(let instant): return instant
            case .invalid: return nil
            case .notRelative: return PythonDateTime.parse(fallback, now: now)
            }
        }
    }
}
