/// One feature flag of a definitions response.
public struct FlagDefinition: Sendable, Hashable {
    /// The flag key (case-sensitive).
    public var key: String
    /// The flag's database id, reported as `$feature_flag_id`.
    public var id: Int64?
    /// The flag's display name.
    public var name: String?
    /// The definition version, reported as `$feature_flag_version`.
    public var version: Int64?
    /// Inactive flags evaluate to `false`.
    public var active: Bool
    /// Flags with experience continuity can only be evaluated by the server.
    public var ensureExperienceContinuity: Bool
    /// Whether the flag belongs to an experiment (absent on older servers).
    public var hasExperiment: Bool?
    /// Whether the payloads are encrypted (remote-config flags).
    public var hasEncryptedPayloads: Bool
    /// `"server"`, `"client"` or `"all"`; no effect on local evaluation.
    public var evaluationRuntime: String?
    /// Evaluation tags; no effect on local evaluation.
    public var evaluationTags: [String]
    /// `"device_id"` to bucket on the device id (also read from ``FlagFilters/bucketingIdentifier``).
    public var bucketingIdentifier: String?
    /// Release conditions, variants, payloads and the rest of `filters`.
    public var filters: FlagFilters
    /// The flag exactly as received.
    public var raw: JSONValue

    /// Reads a flag; `nil` unless `json` is an object with a string `key`.
    public init?(json: JSONValue) {
        guard case .object(let object) = json, case .string(let key)? = object["key"] else { return nil }
        self.key = key
        id = object["id"]?.intValue
        name = object["name"]?.stringValue
        version = object["version"]?.intValue
        active = object["active"]?.isPythonTruthy ?? false
        ensureExperienceContinuity = object["ensure_experience_continuity"]?.isPythonTruthy ?? false
        hasExperiment = object["has_experiment"]?.boolValue
        hasEncryptedPayloads = object["has_encrypted_payloads"]?.boolValue ?? false
        evaluationRuntime = object["evaluation_runtime"]?.stringValue
        evaluationTags = object["evaluation_tags"]?.arrayValue?.compactMap(\.stringValue) ?? []
        bucketingIdentifier = object["bucketing_identifier"]?.stringValue
        filters = FlagFilters(json: object["filters"] ?? .null)
        raw = json
    }

    /// Whether the flag buckets on the device id rather than the distinct id.
    public var bucketsByDeviceId: Bool {
        (bucketingIdentifier ?? filters.bucketingIdentifier) == "device_id"
    }
}
