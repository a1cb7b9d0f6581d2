/// A filter inside a condition or cohort: a person/group property, a cohort or another flag.
public struct FlagPropertyFilter: Sendable, Hashable {
    /// The property name; `"id"` for cohorts; the flag key for flag dependencies.
    public var key: String
    /// `"person"`, `"group"`, `"cohort"`, `"flag"`, `"behavioral"`, …
    public var type: String?
    /// The operator; `nil` means `exact`.
    public var `operator`: String?
    /// The filter value, exactly as received (numbers keep their int/float form).
    public var value: JSONValue
    /// Negation; only meaningful inside cohorts.
    public var negation: Bool
    /// For group filters, the group type index.
    public var groupTypeIndex: Int?
    /// For flag dependencies, the keys to evaluate first, the referenced flag last. Empty means
    /// the server found a cycle or a missing flag.
    public var dependencyChain: [String]?
    /// The filter exactly as received.
    public var raw: JSONValue

    /// Reads a filter; `nil` unless `json` is an object with a string `key`.
    public init?(json: JSONValue) {
        guard case .object(let object) = json, case .string(let key)? = object["key"] else { return nil }
        self.key = key
        type = object["type"]?.stringValue
        `operator` = object["operator"]?.stringValue
        value = object["value"] ?? .null
        negation = object["negation"]?.isPythonTruthy ?? false
        groupTypeIndex = object["group_type_index"]?.intValue.map { Int(clamping: $0) }
        dependencyChain = object["dependency_chain"]?.arrayValue?.compactMap(\.stringValue)
        raw = json
    }
}
