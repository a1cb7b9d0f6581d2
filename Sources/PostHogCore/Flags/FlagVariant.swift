/// One variant of a multivariate flag.
public struct FlagVariant: Sendable, Hashable {
    /// The variant key (case-sensitive).
    public var key: String
    /// The display name.
    public var name: String?
    /// The share of subjects, in percent. Shares are cumulated in order.
    public var rolloutPercentage: Double
    /// The variant exactly as received.
    public var raw: JSONValue

    /// Reads a variant; `nil` unless `json` is an object with a string `key`.
    public init?(json: JSONValue) {
        guard case .object(let object) = json, case .string(let key)? = object["key"] else { return nil }
        self.key = key
        name = object["name"]?.stringValue
        rolloutPercentage = object["rollout_percentage"]?.doubleValue ?? 0
        raw = json
    }
}
