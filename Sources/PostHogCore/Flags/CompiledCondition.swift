/// One release condition, compiled.
final class CompiledCondition: Sendable {
    /// Whose properties and bucketing value the condition uses (mixed targeting, spec §3.9).
    enum Target: Sendable {
        /// The flag's own: the person, or the flag's group.
        case flagDefault
        /// A group type other than the flag's: the group named here, when the subject has it.
        /// `nil` when the index is not in `group_type_mapping` (the condition never matches).
        case group(String?)
    }

    enum Filters: Sendable {
        case none
        case all([ConditionFilter])
        /// `properties` is not a list: the SDK fails on it.
        case malformed
    }

    enum Rollout: Sendable {
        /// No rollout: everyone whose properties match.
        case everyone
        /// `rollout_percentage / 100`; the subject is in when its hash is at most this.
        case upTo(Double)
        /// Not a number: the SDK fails when it gets to the rollout check.
        case malformed
    }

    /// Not an object: the SDK fails on it.
    let isMalformed: Bool
    let target: Target
    let filters: Filters
    let rollout: Rollout
    /// The variant override, kept only when it names one of the flag's variants.
    let variantOverride: String?

    init(_ json: JSONValue, flagAggregation: JSONValue, variantKeys: [String], compiler: inout FlagCompiler) {
        guard case .object(let object) = json else {
            isMalformed = true
            target = .flagDefault
            filters = .malformed
            rollout = .everyone
            variantOverride = nil
            return
        }
        isMalformed = false

        let aggregation = object["aggregation_group_type_index"] ?? flagAggregation
        if aggregation.pythonEquals(flagAggregation) || aggregation.isNull {
            target = .flagDefault
        } else {
            target = .group(compiler.groupName(for: aggregation))
        }

        switch object["properties"] {
        case .array(let items)? where !items.isEmpty:
            var compiled: [ConditionFilter] = []
            compiled.reserveCapacity(items.count)
            for item in items { compiled.append(ConditionFilter(item, compiler: &compiler)) }
            filters = .all(compiled)
        case let value? where value.isPythonTruthy && value.arrayValue == nil:
            filters = .malformed
        default:
            filters = .none
        }

        switch object["rollout_percentage"] ?? .null {
        case .null: rollout = .everyone
        case .int(let i): rollout = .upTo(Double(i) / 100)
        case .double(let d): rollout = .upTo(d / 100)
        case .bool(let b): rollout = .upTo(b ? 0.01 : 0)
        default: rollout = .malformed
        }

        if case .string(let variant)? = object["variant"], !variant.isEmpty,
            variantKeys.contains(where: { PythonText.equal($0, variant) })
        {
            variantOverride = variant
        } else {
            variantOverride = nil
        }
    }
}
