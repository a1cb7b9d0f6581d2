/// A cohort's property group, compiled (posthog-python's `match_property_group` input).
indirect enum CohortGroup: Sendable {
    /// `{}`: matches everyone.
    case empty
    /// `type` is `AND` or `OR` and `values` a list.
    case group(isAnd: Bool, entries: [Entry])
    /// Anything else: the SDK needs the server.
    case malformed

    enum Entry: Sendable {
        case nested(CohortGroup)
        case filter(ConditionFilter, negated: Bool)
        /// Not an object.
        case malformed
    }

    init(_ json: JSONValue, compiler: inout FlagCompiler) {
        guard case .object(let object) = json else {
            self = .malformed
            return
        }
        if object.isEmpty {
            self = .empty
            return
        }
        guard case .string(let type)? = object["type"], type == "AND" || type == "OR",
            case .array(let values)? = object["values"]
        else {
            self = .malformed
            return
        }
        var entries: [Entry] = []
        entries.reserveCapacity(values.count)
        for value in values {
            guard case .object(let entry) = value else {
                entries.append(.malformed)
                continue
            }
            if Self.isNested(entry) {
                entries.append(.nested(CohortGroup(value, compiler: &compiler)))
            } else {
                let negated = entry["negation"]?.isPythonTruthy ?? false
                entries.append(.filter(ConditionFilter(value, compiler: &compiler), negated: negated))
            }
        }
        self = .group(isAnd: type == "AND", entries: entries)
    }

    /// An entry is a nested group when it is `{}`, has `values`, or has type `AND`/`OR`.
    private static func isNested(_ entry: [String: JSONValue]) -> Bool {
        entry.isEmpty || entry["values"] != nil || entry["type"] == .string("AND") || entry["type"] == .string("OR")
    }
}
