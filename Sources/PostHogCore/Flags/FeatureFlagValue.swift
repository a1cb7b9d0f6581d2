/// The value of a feature flag: on/off, or the key of the variant the subject got.
///
/// Holdouts produce a variant named `holdout-<id>` that need not be one of the flag's variants.
public enum FeatureFlagValue: Sendable, Hashable {
    /// A boolean flag result.
    case enabled(Bool)
    /// A multivariate flag result: the variant key (case-sensitive).
    case variant(String)

    /// Whether the flag is on: `true`, or any variant.
    public var isEnabled: Bool {
        switch self {
        case .enabled(let on): return on
        case .variant: return true
        }
    }

    /// The variant key, when the value is a variant.
    public var variantKey: String? {
        if case .variant(let key) = self { return key }
        return nil
    }

    /// The key of `filters.payloads` that holds this value's payload: `"true"`, `"false"` or the variant.
    public var payloadKey: String {
        switch self {
        case .enabled(let on): return on ? "true" : "false"
        case .variant(let key): return key
        }
    }

    /// The value as JSON: a boolean or a string, as PostHog reports it in `$feature/<key>`.
    public var jsonValue: JSONValue {
        switch self {
        case .enabled(let on): return .bool(on)
        case .variant(let key): return .string(key)
        }
    }
}

extension FeatureFlagValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .enabled(value) }
}

extension FeatureFlagValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .variant(value) }
}

extension FeatureFlagValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .enabled(let on): return on ? "true" : "false"
        case .variant(let key): return key
        }
    }
}
