extension EvaluationRun {
    /// Cohort membership (posthog-python's `match_cohort`). A cohort missing from the definitions
    /// is static or unknown and needs the server.
    mutating func matchCohort(
        _ cohort: ConditionFilter.CohortReference, _ context: Context
    ) throws(EvaluationError) -> Bool {
        guard let index = cohort.index else { throw .requiresServer(.unsupportedDefinition) }
        guard cohort.operatorIsValid else { throw .inconclusive(.unsupportedDefinition) }
        // A cohort that contains itself recurses until Python gives up with a RecursionError.
        if cohortStack.contains(index) { throw .malformed }
        let matched: Bool
        if let cache = context.scope.cache, program.cohortIsPure[index] {
            // Membership depends only on the person's properties: share it across the flags.
            let slot = program.propertyFilterCount + index
            matched = try cache.result(slot: slot) { () throws(EvaluationError) -> Bool in
                try matchCohortGroup(index, context)
            }
        } else {
            matched = try matchCohortGroup(index, context)
        }
        return cohort.negatesMembership ? !matched : matched
    }

    private mutating func matchCohortGroup(_ index: Int, _ context: Context) throws(EvaluationError) -> Bool {
        cohortStack.append(index)
        defer { cohortStack.removeLast() }
        return try matchGroup(program.cohorts[index], context)
    }

    /// A property group (posthog-python's `match_property_group`). Every entry is evaluated, so
    /// that a static cohort anywhere in the group still sends the flag to the server; a deciding
    /// entry (a false one for AND, a true one for OR) beats undecided ones.
    private mutating func matchGroup(_ group: CohortGroup, _ context: Context) throws(EvaluationError) -> Bool {
        switch group {
        case .empty:
            return true
        case .malformed:
            throw .requiresServer(.unsupportedDefinition)
        case .group(let isAnd, let entries):
            if entries.isEmpty { return true }
            var decision: Bool?
            var reason: FlagUnresolvedReason?
            for entry in entries {
                do throws(EvaluationError) {
                    let matched: Bool
                    switch entry {
                    case .malformed:
                        throw .requiresServer(.unsupportedDefinition)
                    case .nested(let nested):
                        matched = try matchGroup(nested, context)
                    case .filter(let filter, let negated):
                        matched = try matchFilter(filter, context) != negated
                    }
                    if matched != isAnd { decision = matched }
                } catch {
                    guard case .inconclusive(let cause) = error else { throw error }
                    reason = .pick(reason, cause)
                }
            }
            if let decision { return decision }
            if let reason { throw .inconclusive(reason) }
            return isAnd
        }
    }
}
