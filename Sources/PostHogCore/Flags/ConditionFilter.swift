/// One filter of a condition or cohort, compiled: what `_match_condition_filter` dispatches on.
enum ConditionFilter: Sendable {
    /// A person or group property (any `type` other than `cohort` and `flag`).
    case property(PropertyMatcher)
    /// Membership of a cohort.
    case cohort(CohortReference)
    /// Another flag's value.
    case flag(FlagDependency)
    /// Not an object: the SDK fails on it.
    case malformed

    /// A `type: "cohort"` filter.
    struct CohortReference: Sendable {
        /// `str(value)`: the key into the definitions' `cohorts`.
        let id: String
        /// The cohort's position in the program; `nil` for a static or unknown cohort.
        let index: Int?
        /// `in`, `exact` (or no operator) and `not_in` are the only cohort operators.
        let operatorIsValid: Bool
        let negatesMembership: Bool
    }

    init(_ json: JSONValue, compiler: inout FlagCompiler) {
        guard case .object(let object) = json else {
            self = .malformed
            return
        }
        switch object["type"] {
        case .string("cohort")?:
            let op = object["operator"]?.ifTruthy ?? .string("exact")
            let valid = op == .string("exact") || op == .string("in") || op == .string("not_in")
            let id = (object["value"] ?? .null).pythonString
            self = .cohort(
                CohortReference(
                    id: id,
                    index: compiler.cohortIndexByID[id],
                    operatorIsValid: valid,
                    negatesMembership: op == .string("not_in")))
        case .string("flag")?:
            self = .flag(FlagDependency(object, flagIndexByKey: compiler.flagIndexByKey))
        default:
            self = .property(compiler.propertyMatcher(for: object))
        }
    }
}
