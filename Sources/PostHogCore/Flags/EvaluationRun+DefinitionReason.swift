extension EvaluationRun {
    /// The unresolved reason a flag's definition alone implies (posthog-python's
    /// `_get_definition_unresolved_reason`): experience continuity, an unknown group type, or any
    /// filter that can never be evaluated locally. Used to report the strongest reason when
    /// evaluation stops early. Throws ``EvaluationError/malformed`` where the SDK's walk would fail.
    func definitionReason(of flag: CompiledFlag) throws(EvaluationError) -> FlagUnresolvedReason? {
        guard flag.active else { return nil }
        if flag.experienceContinuity { return .experienceContinuity }
        if flag.filtersMalformed { throw .malformed }
        if flag.isGroupFlag && flag.groupName == nil { return .unsupportedDefinition }
        guard let conditions = flag.conditions else { throw .malformed }
        for condition in conditions {
            if condition.isMalformed { throw .malformed }
            switch condition.filters {
            case .none:
                continue
            case .malformed:
                throw .malformed
            case .all(let filters):
                for filter in filters {
                    var visited: Set<Int> = []
                    if try isUnsupported(filter, visited: &visited) { return .unsupportedDefinition }
                }
            }
        }
        return nil
    }

    private func isUnsupported(_ filter: ConditionFilter, visited: inout Set<Int>) throws(EvaluationError) -> Bool {
        switch filter {
        case .malformed:
            throw .malformed
        case .property(let matcher):
            return matcher.isFilterUnsupported(now: now)
        case .flag(let dependency):
            // A malformed shape is a definite non-match, not a gap.
            if dependency.isMalformedShape { return false }
            guard case .keys(let chain) = dependency.chain else { return true }
            for key in chain {
                if case .unhashable = key { throw .malformed }
                if !key.isDefined { return true }
            }
            return false
        case .cohort(let cohort):
            guard let index = cohort.index else { return true }
            guard cohort.operatorIsValid else { return true }
            if visited.contains(index) { return false }
            visited.insert(index)
            return try isUnsupported(program.cohorts[index], visited: &visited)
        }
    }

    private func isUnsupported(_ group: CohortGroup, visited: inout Set<Int>) throws(EvaluationError) -> Bool {
        switch group {
        case .empty:
            return false
        case .malformed:
            return true
        case .group(_, let entries):
            for entry in entries {
                switch entry {
                case .malformed:
                    return true
                case .nested(let nested):
                    if try isUnsupported(nested, visited: &visited) { return true }
                case .filter(let filter, _):
                    if try isUnsupported(filter, visited: &visited) { return true }
                }
            }
            return false
        }
    }
}
