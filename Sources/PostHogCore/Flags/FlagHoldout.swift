/// A holdout (`filters.holdout`): a share of subjects excluded from every flag in the holdout.
public struct FlagHoldout: Sendable, Hashable {
    /// The holdout id; held-out subjects get the value `holdout-<id>`.
    public var id: JSONValue
    /// The share of subjects held out, in percent.
    public var exclusionPercentage: Double?
    /// The holdout exactly as received.
    public var raw: JSONValue

    /// Reads a holdout; `nil` unless `json` is an object.
    public init?(json: JSONValue) {
        guard case .object(let object) = json else { return nil }
        id = object["id"] ?? .null
        exclusionPercentage = object["exclusion_percentage"]?.doubleValue
        raw = json
    }

    /// The value held-out subjects get.
    public var variantKey: String { "holdout-" + id.pythonString }
}
