/// A `/flags/definitions` (or legacy `/api/feature_flag/local_evaluation/`) response.
///
/// Parsing is lenient: unknown fields are ignored (and kept in ``raw``), entries of the wrong
/// shape are skipped, and only a body that is not an object with a `flags` array is an error.
/// The evaluator compiles each flag from its raw JSON, so odd values keep the SDK's semantics.
///
/// ```swift
/// let definitions = try FlagDefinitions(data: responseBody)
/// let evaluator = FlagEvaluator(definitions: definitions)
/// ```
public struct FlagDefinitions: Sendable, Hashable {
    /// Every flag with a string `key`, in response order.
    public var flags: [FlagDefinition]
    /// `group_type_index` (as a string, e.g. `"0"`) → group type name.
    public var groupTypeMapping: [String: String]
    /// Cohort id (as a string) → its property group. Only dynamic cohorts are sent.
    public var cohorts: [String: JSONValue]
    /// `property_matching_version`: 2 selects explicit `exact` matching; anything else (1 when
    /// absent) is legacy matching with boolean truthiness.
    public var propertyMatchingVersion: Int
    /// `minimal_flag_called_events`: whether `$feature_flag_called` may be trimmed.
    public var minimalFlagCalledEvents: Bool
    /// The whole response.
    public var raw: JSONValue

    /// No flags: nothing can be evaluated locally.
    public static let empty = FlagDefinitions(flags: [])

    /// Creates definitions from parts; ``raw`` is assembled from them.
    public init(
        flags: [FlagDefinition],
        groupTypeMapping: [String: String] = [:],
        cohorts: [String: JSONValue] = [:],
        propertyMatchingVersion: Int = 1
    ) {
        self.flags = flags
        self.groupTypeMapping = groupTypeMapping
        self.cohorts = cohorts
        self.propertyMatchingVersion = propertyMatchingVersion
        self.minimalFlagCalledEvents = false
        var object: [String: JSONValue] = [
            "flags": .array(flags.map(\.raw)),
            "group_type_mapping": .object(groupTypeMapping.mapValues { .string($0) }),
            "cohorts": .object(cohorts),
        ]
        if propertyMatchingVersion != 1 { object["property_matching_version"] = .int(Int64(propertyMatchingVersion)) }
        self.raw = .object(object)
    }

    /// Parses a decoded response body.
    public init(json: JSONValue) throws(FlagDefinitionsError) {
        guard case .object(let object) = json else { throw .notAnObject }
        guard case .array(let flagValues)? = object["flags"] else { throw .missingFlags }
        flags = flagValues.compactMap(FlagDefinition.init(json:))
        var mapping: [String: String] = [:]
        for (index, name) in object["group_type_mapping"]?.objectValue ?? [:] {
            if case .string(let name) = name { mapping[index] = name }
        }
        groupTypeMapping = mapping
        cohorts = object["cohorts"]?.objectValue ?? [:]
        // posthog-python tests `!= 2`, so 2.0 also selects explicit matching.
        switch object["property_matching_version"] {
        case .int(let v)?: propertyMatchingVersion = Int(clamping: v)
        case .double(let v)? where v == 2: propertyMatchingVersion = 2
        default: propertyMatchingVersion = 1
        }
        minimalFlagCalledEvents = object["minimal_flag_called_events"] == .bool(true)
        raw = json
    }

    /// Parses a response body (UTF-8 JSON).
    public init(data: some Collection<UInt8>) throws(FlagDefinitionsError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(data)
        } catch {
            throw .invalidJSON(error)
        }
        try self.init(json: json)
    }

    /// The flag with `key` (the last one, if the response repeats a key).
    public func flag(forKey key: String) -> FlagDefinition? {
        flags.last { PythonText.equal($0.key, key) }
    }
}
