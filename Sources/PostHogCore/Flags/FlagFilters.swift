/// The `filters` object of a flag definition.
public struct FlagFilters: Sendable, Hashable {
    /// Release conditions, OR-ed in order.
    public var groups: [FlagCondition]
    /// The variants of a multivariate flag, in order (empty for boolean flags).
    public var variants: [FlagVariant]
    /// `"true"`, `"false"` or a variant key → payload, usually a JSON string.
    public var payloads: [String: JSONValue]
    /// The group type the flag aggregates by, or `nil` for a person flag.
    public var aggregationGroupTypeIndex: Int?
    /// Stop at the first condition whose properties matched but whose rollout excluded the subject.
    public var earlyExit: Bool
    /// The holdout (new format).
    public var holdout: FlagHoldout?
    /// Early-access feature enrollment (new format): the value is the person's enrollment.
    public var featureEnrollment: Bool
    /// Legacy early-access conditions; ignored by local evaluation.
    public var superGroups: [FlagCondition]
    /// Legacy holdout conditions; ignored by local evaluation.
    public var holdoutGroups: [FlagCondition]
    /// `"device_id"` to bucket on the device id.
    public var bucketingIdentifier: String?
    /// The object exactly as received.
    public var raw: JSONValue

    /// Reads `filters`; anything that is not an object reads as empty.
    public init(json: JSONValue) {
        let object = json.objectValue ?? [:]
        groups = object["groups"]?.arrayValue?.compactMap(FlagCondition.init(json:)) ?? []
        variants = object["multivariate"]?["variants"]?.arrayValue?.compactMap(FlagVariant.init(json:)) ?? []
        payloads = object["payloads"]?.objectValue ?? [:]
        aggregationGroupTypeIndex = object["aggregation_group_type_index"]?.intValue.map { Int(clamping: $0) }
        earlyExit = object["early_exit"]?.isPythonTruthy ?? false
        holdout = object["holdout"].flatMap(FlagHoldout.init(json:))
        featureEnrollment = object["feature_enrollment"] == .bool(true)
        superGroups = object["super_groups"]?.arrayValue?.compactMap(FlagCondition.init(json:)) ?? []
        holdoutGroups = object["holdout_groups"]?.arrayValue?.compactMap(FlagCondition.init(json:)) ?? []
        bucketingIdentifier = object["bucketing_identifier"]?.stringValue
        raw = json
    }
}
