/// A flag definition compiled for evaluation. Everything that does not depend on the subject is
/// resolved here; shapes the SDK would fail on are kept as "malformed" markers, so that they fail
/// at the same point of the evaluation as they do in posthog-python.
final class CompiledFlag: Sendable {
    enum Holdout: Sendable {
        case none
        /// Subjects whose holdout hash is at most `fraction` get `variant`.
        case exclude(fraction: Double, everyone: Bool, variant: String)
        case malformed
    }

    struct VariantBucket: Sendable {
        let key: String
        let lower: Double
        let upper: Double
    }

    enum Variants: Sendable {
        case buckets([VariantBucket])
        /// A variant without a usable `rollout_percentage`: fails when a variant is picked.
        case malformedRollout
    }

    let definition: FlagDefinition
    let key: String
    /// UTF-8 of `"<key>."`, the start of every bucketing hash input.
    let hashPrefix: [UInt8]
    let active: Bool
    let experienceContinuity: Bool
    /// `filters` is neither an object nor empty.
    let filtersMalformed: Bool
    /// `filters.aggregation_group_type_index`, `.null` for person flags.
    let aggregation: JSONValue
    /// The group type name of a group flag; `nil` when the index is unknown.
    let groupName: String?
    let bucketsByDevice: Bool
    let featureEnrollment: Bool
    /// `$feature_enrollment/<key>`: the person property holding the enrollment.
    let enrollmentProperty: String
    let holdout: Holdout
    /// `multivariate.variants` cannot be read (the SDK fails before the first condition).
    let variantsMalformed: Bool
    let variantKeys: [String]
    let variants: Variants
    /// `nil` when `filters.groups` is not a list (the SDK fails on it).
    let conditions: [CompiledCondition]?
    let earlyExit: Bool
    /// Decoded payloads of `true` and `false`. JSON `null` and invalid JSON count as absent.
    let payloadWhenTrue: JSONValue?
    let payloadWhenFalse: JSONValue?
    /// Decoded payloads by value key (variants, `holdout-<id>`), for a linear scan.
    let variantPayloads: [(key: String, payload: JSONValue)]

    var isGroupFlag: Bool { !aggregation.isNull }

    init(_ definition: FlagDefinition, compiler: inout FlagCompiler) {
        self.definition = definition
        key = definition.key
        hashPrefix = Array((definition.key + ".").utf8)
        let flag = definition.raw.objectValue ?? [:]
        active = flag["active"]?.isPythonTruthy ?? false
        experienceContinuity = flag["ensure_experience_continuity"]?.isPythonTruthy ?? false

        let filtersValue = flag["filters"] ?? .null
        let filters: [String: JSONValue]
        if case .object(let object) = filtersValue {
            filters = object
            filtersMalformed = false
        } else {
            filters = [:]
            filtersMalformed = filtersValue.isPythonTruthy
        }

        aggregation = filters["aggregation_group_type_index"] ?? .null
        groupName = aggregation.isNull ? nil : compiler.groupName(for: aggregation)

        let flagBucketing = flag["bucketing_identifier"] ?? .null
        let bucketing = flagBucketing.isPythonTruthy ? flagBucketing : (filters["bucketing_identifier"] ?? .null)
        bucketsByDevice = bucketing == .string("device_id")

        featureEnrollment = filters["feature_enrollment"] == .bool(true)
        enrollmentProperty = "$feature_enrollment/" + definition.key
        holdout = Self.holdout(filters["holdout"] ?? .null)
        earlyExit = filters["early_exit"]?.isPythonTruthy ?? false

        let (keys, variants, variantsMalformed) = Self.variants(filters["multivariate"] ?? .null)
        self.variantKeys = keys
        self.variants = variants
        self.variantsMalformed = variantsMalformed

        switch filters["groups"] ?? .null {
        case .array(let items):
            var compiled: [CompiledCondition] = []
            compiled.reserveCapacity(items.count)
            for item in items {
                compiled.append(
                    CompiledCondition(
                        item, flagAggregation: aggregation, variantKeys: keys, compiler: &compiler))
            }
            conditions = compiled
        case let value:
            conditions = value.isPythonTruthy ? nil : []
        }

        var decoded: [String: JSONValue] = [:]
        for (key, raw) in filters["payloads"]?.objectValue ?? [:] {
            if let payload = Self.decodePayload(raw) { decoded[key] = payload }
        }
        payloadWhenTrue = decoded["true"]
        payloadWhenFalse = decoded["false"]
        variantPayloads = decoded.map { (key: $0.key, payload: $0.value) }
    }

    /// The decoded payload for a value (posthog-python looks one up for `false` too).
    func payload(for value: FeatureFlagValue) -> JSONValue? {
        switch value {
        case .enabled(let on): return on ? payloadWhenTrue : payloadWhenFalse
        case .variant(let key):
            // Few flags have more than a handful of payloads: a scan beats hashing the key.
            for entry in variantPayloads where PythonText.equal(entry.key, key) { return entry.payload }
            return nil
        }
    }

    /// posthog-python's `_parse_flag_payload`: strings are JSON-decoded, other values used as they are.
    static func decodePayload(_ raw: JSONValue) -> JSONValue? {
        let decoded: JSONValue
        if case .string(let text) = raw {
            guard let value = try? JSONParser.parse(text) else { return nil }
            decoded = value
        } else {
            decoded = raw
        }
        // Spelled out: a bare `nil` here would become JSONValue.null through its nil literal.
        if decoded.isNull { return Optional<JSONValue>.none }
        return decoded
    }

    private static func holdout(_ value: JSONValue) -> Holdout {
        guard value.isPythonTruthy else { return .none }
        guard case .object(let object) = value else { return .malformed }
        guard let percentage = object["exclusion_percentage"], !percentage.isNull,
            let id = object["id"], !id.isNull
        else { return .none }
        let raw: Double
        switch percentage {
        case .int(let i): raw = Double(i)
        case .double(let d): raw = d
        case .bool(let b): raw = b ? 1 : 0
        case .string(let s):
            guard let parsed = PythonText.parseFloat(s) else { return .malformed }
            raw = parsed
        default: return .malformed
        }
        // Python's max/min keep a NaN first argument, and so does this.
        var clamped = raw
        if 0.0 > clamped { clamped = 0 }
        if 100.0 < clamped { clamped = 100 }
        return .exclude(fraction: clamped / 100, everyone: clamped == 100, variant: "holdout-" + id.pythonString)
    }

    private static func variants(_ multivariate: JSONValue) -> ([String], Variants, Bool) {
        guard multivariate.isPythonTruthy else { return ([], .buckets([]), false) }
        guard case .object(let object) = multivariate else { return ([], .buckets([]), true) }
        let list = object["variants"] ?? .null
        guard list.isPythonTruthy else { return ([], .buckets([]), false) }
        guard case .array(let items) = list else { return ([], .buckets([]), true) }
        var keys: [String] = []
        var buckets: [VariantBucket] = []
        var rolloutMalformed = false
        var lower = 0.0
        for item in items {
            guard case .object(let variant) = item, case .string(let key)? = variant["key"] else {
                return ([], .buckets([]), true)
            }
            keys.append(key)
            let share: Double
            switch variant["rollout_percentage"] ?? .null {
            case .int(let i): share = Double(i) / 100
            case .double(let d): share = d / 100
            case .bool(let b): share = b ? 0.01 : 0
            default:
                rolloutMalformed = true
                share = 0
            }
            let upper = lower + share
            buckets.append(VariantBucket(key: key, lower: lower, upper: upper))
            lower = upper
        }
        return (keys, rolloutMalformed ? .malformedRollout : .buckets(buckets), false)
    }
}
