public import PostHogCore

/// One flag's outcome for one user: its value and its payload, from one evaluation.
public struct FeatureFlagResult: Sendable, Hashable {
    /// The flag key.
    public var key: String
    /// The value: on/off or a variant.
    public var value: FeatureFlagValue
    /// The decoded JSON payload for that value, if the flag has one.
    public var payload: JSONValue?
    /// Whether the value came from local evaluation (true) or from PostHog's `/flags` (false).
    public var locallyEvaluated: Bool

    public init(key: String, value: FeatureFlagValue, payload: JSONValue? = nil, locallyEvaluated: Bool) {
        self.key = key
        self.value = value
        self.payload = payload
        self.locallyEvaluated = locallyEvaluated
    }

    /// Whether the flag is on (a variant counts as on).
    public var enabled: Bool { value.isEnabled }
    /// The variant key, for a multivariate flag.
    public var variant: String? { value.variantKey }
}
