/// Why local evaluation could not decide a flag (posthog-python's `UnresolvedFlagReason`).
///
/// The cases are declared in precedence order: when several causes apply, the first one wins.
public enum FlagUnresolvedReason: String, Sendable, Hashable, CaseIterable, Comparable {
    /// The flag has `ensure_experience_continuity`, which only the server can honour.
    case experienceContinuity = "experience_continuity"
    /// The definition uses something local evaluation does not support: a static or unknown cohort,
    /// an unknown operator, an unusable filter value, a deferred regex, a broken dependency chain,
    /// an unknown group type, or a malformed definition.
    case unsupportedDefinition = "unsupported_definition"
    /// A flag this flag depends on was itself unresolved.
    case unresolvedDependency = "unresolved_dependency"
    /// The caller did not pass a property, group or device id the flag needs (or passed an unusable one).
    case missingContext = "missing_context"

    /// Lower is more important.
    var precedence: Int {
        switch self {
        case .experienceContinuity: return 0
        case .unsupportedDefinition: return 1
        case .unresolvedDependency: return 2
        case .missingContext: return 3
        }
    }

    /// `true` when `lhs` takes precedence over `rhs`.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.precedence < rhs.precedence }

    /// The reason to report when both `current` (if any) and `new` apply.
    static func pick(_ current: Self?, _ new: Self) -> Self {
        guard let current else { return new }
        return min(current, new)
    }
}
