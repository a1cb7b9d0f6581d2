/// The outcome of evaluating one flag locally.
public enum FlagEvaluation: Sendable, Hashable {
    /// Local evaluation decided the value. `payload` is the decoded `filters.payloads` entry for
    /// that value (`nil` when there is none, when it is JSON `null`, or when it is not valid JSON).
    case decided(FeatureFlagValue, payload: JSONValue?)
    /// Local evaluation cannot decide; the SDKs then ask the server (`/flags`).
    case inconclusive(FlagUnresolvedReason)

    /// The decided value, or `nil` when inconclusive.
    public var value: FeatureFlagValue? {
        if case .decided(let value, _) = self { return value }
        return nil
    }

    /// The decoded payload of the decided value.
    public var payload: JSONValue? {
        if case .decided(_, let payload) = self { return payload }
        return nil
    }

    /// Why the flag is inconclusive, or `nil` when it was decided.
    public var unresolvedReason: FlagUnresolvedReason? {
        if case .inconclusive(let reason) = self { return reason }
        return nil
    }

    /// Whether local evaluation could not decide the flag.
    public var isInconclusive: Bool { unresolvedReason != nil }
}
