/// A `type: "flag"` filter: "flag `key` evaluates to `expected`", with the server's
/// `dependency_chain` giving the order in which to evaluate the flags involved.
final class FlagDependency: Sendable {
    /// A key as posthog-python's dictionaries see it.
    enum Key: Hashable, Sendable {
        /// A defined flag, by position in the program.
        case flag(Int)
        /// A string that is not a flag key.
        case undefined(String)
        /// A number, boolean or `null`: hashable but never a flag key.
        case other(String)
        /// A list or object: looking it up raises.
        case unhashable

        init(_ json: JSONValue, flagIndexByKey: [String: Int]) {
            switch json {
            case .string(let s): self = flagIndexByKey[s].map(Key.flag) ?? .undefined(s)
            case .array, .object: self = .unhashable
            case .null: self = .other("null")
            case .bool(let b): self = .other(b ? "1.0" : "0.0")
            case .int(let i): self = .other(Double(i).description)
            case .double(let d): self = .other(d.description)
            case .number(let text): self = .other((Double(text) ?? .nan).description)
            }
        }

        /// Whether the key names a loaded flag (`flags_by_key.get(key)`).
        var isDefined: Bool {
            if case .flag = self { return true }
            return false
        }
    }

    enum Chain: Sendable {
        /// Missing, not a list, or empty (the server's mark for a cycle or a missing flag).
        case unusable
        case keys([Key])
    }

    /// Wrong operator, no key, or no value: a definitive non-match.
    let isMalformedShape: Bool
    let key: Key
    let expected: JSONValue
    let chain: Chain

    init(_ object: [String: JSONValue], flagIndexByKey: [String: Int]) {
        let op = object["operator"] ?? .string("exact")
        let keyValue = object["key"] ?? .null
        let value = object["value"] ?? .null
        isMalformedShape = op != .string("flag_evaluates_to") || !keyValue.isPythonTruthy || value.isNull
        key = Key(keyValue, flagIndexByKey: flagIndexByKey)
        expected = value
        if case .array(let items)? = object["dependency_chain"], !items.isEmpty {
            chain = .keys(items.map { Key($0, flagIndexByKey: flagIndexByKey) })
        } else {
            chain = .unusable
        }
    }

    /// Whether the dependency's `actual` value satisfies the filter: a variant matches `true` or its
    /// own key (case-sensitive); a boolean matches the same boolean; nothing else matches.
    func isSatisfied(by actual: FeatureFlagValue) -> Bool {
        switch (actual, expected) {
        case (.variant(let variant), .bool(let wanted)) where !variant.isEmpty: return wanted
        case (.variant(let variant), .string(let wanted)) where !variant.isEmpty:
            return PythonText.equal(variant, wanted)
        case (.variant, _): return false
        case (.enabled(let on), .bool(let wanted)): return on == wanted
        case (.enabled, _): return false
        }
    }
}
