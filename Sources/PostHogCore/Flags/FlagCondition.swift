/// One release condition: property filters (AND-ed), a rollout and an optional variant override.
public struct FlagCondition: Sendable, Hashable {
    /// The filters, all of which must match.
    public var properties: [FlagPropertyFilter]
    /// Percentage of matching subjects that get the flag; `nil` means everyone.
    public var rolloutPercentage: Double?
    /// The variant to serve when the condition matches, if it names one of the flag's variants.
    public var variant: String?
    /// Per-condition group type (mixed targeting), when the condition sets one.
    public var aggregationGroupTypeIndex: Int?
    /// The condition exactly as received.
    public var raw: JSONValue

    /// Reads a condition; `nil` unless `json` is an object.
    public init?(json: JSONValue) {
        guard case .object(let object) = json else { return nil }
        properties = object["properties"]?.arrayValue?.compactMap(FlagPropertyFilter.init(json:)) ?? []
        rolloutPercentage = object["rollout_percentage"]?.doubleValue
        variant = object["variant"]?.stringValue
        aggregationGroupTypeIndex = object["aggregation_group_type_index"]?.intValue.map { Int(clamping: $0) }
        raw = json
    }
}
