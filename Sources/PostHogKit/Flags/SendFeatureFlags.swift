public import PostHogCore

/// Whether `capture` attaches the user's flag values (`$feature/<key>`, `$active_feature_flags`),
/// and with which inputs. Write `true` for the plain form, or
/// `.evaluate(personProperties: ["plan": "pro"])` to match on properties the event knows.
public struct SendFeatureFlags: Sendable, ExpressibleByBooleanLiteral {
    /// Whether flags are attached at all.
    public var enabled: Bool
    /// Person properties to evaluate with (`distinct_id` is added).
    public var personProperties: [String: JSONValue]
    /// Per group type, properties to evaluate with.
    public var groupProperties: [String: [String: JSONValue]]
    /// Only flags decided locally; never asks PostHog. By default, local when definitions are loaded.
    public var onlyEvaluateLocally: Bool?

    public init(booleanLiteral value: Bool) {
        self.init(enabled: value)
    }

    init(enabled: Bool, personProperties: [String: JSONValue] = [:], groupProperties: [String: [String: JSONValue]] = [:], onlyEvaluateLocally: Bool? = nil) {
        self.enabled = enabled
        self.personProperties = personProperties
        self.groupProperties = groupProperties
        self.onlyEvaluateLocally = onlyEvaluateLocally
    }

    /// Attach flags evaluated with these properties.
    public static func evaluate(
        personProperties: [String: JSONValue] = [:], groupProperties: [String: [String: JSONValue]] = [:], onlyEvaluateLocally: Bool? = nil
    ) -> SendFeatureFlags {
        SendFeatureFlags(enabled: true, personProperties: personProperties, groupProperties: groupProperties, onlyEvaluateLocally: onlyEvaluateLocally)
    }
}
