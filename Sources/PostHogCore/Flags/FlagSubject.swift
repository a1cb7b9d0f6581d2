/// Who a flag is evaluated for: the caller's inputs to local evaluation.
///
/// Pass properties as given by the caller. The evaluator adds `distinct_id` to the person
/// properties and `$group_key` to each passed group's properties (unless already set), as the
/// SDKs do. Group properties for a group type missing from ``groups`` are ignored.
public struct FlagSubject: Sendable, Hashable {
    /// The person's distinct id; the default bucketing value.
    public var distinctId: String
    /// Group type name → group key, e.g. `["company": "acme"]`. Keys that are numbers in other SDKs
    /// should be passed as Python would print them (`12345` → `"12345"`).
    public var groups: [String: String]
    /// Person properties.
    public var personProperties: [String: JSONValue]
    /// Group type name → that group's properties.
    public var groupProperties: [String: [String: JSONValue]]
    /// The device id, used by flags that bucket on `device_id`. Empty counts as absent.
    public var deviceId: String?

    /// Creates a subject.
    public init(
        distinctId: String,
        groups: [String: String] = [:],
        personProperties: [String: JSONValue] = [:],
        groupProperties: [String: [String: JSONValue]] = [:],
        deviceId: String? = nil
    ) {
        self.distinctId = distinctId
        self.groups = groups
        self.personProperties = personProperties
        self.groupProperties = groupProperties
        self.deviceId = deviceId
    }
}
