/// One top-level flag evaluation (posthog-python's `_compute_flag_locally`), with the state it
/// keeps while it runs: the flag-dependency cache and the cohorts being matched.
struct EvaluationRun {
    /// What a condition concluded (the server engine's `ConditionMatch`).
    enum ConditionMatch {
        case match
        case noMatch
        /// The properties matched but the rollout excluded the subject.
        case outOfRolloutBound
    }

    /// A string of the evaluation: one of the subject's (read through the run's pointer, so that
    /// passing contexts around costs no reference counting), or a group key.
    enum Identity {
        case distinctId
        case deviceId
        case groupKey(String)
    }

    /// Who is being matched, against which properties, bucketed on what.
    struct Context {
        /// The "distinct id" of this evaluation: the person's, or the group key inside a group flag.
        let distinctId: Identity
        let scope: PropertyScope
        let bucketing: Identity
        /// `false` while evaluating a dependency, where the SDK passes no groups: conditions
        /// aimed at another group type never match there.
        let isTopLevel: Bool

        func with(scope: PropertyScope, bucketing: Identity) -> Context {
            Context(distinctId: distinctId, scope: scope, bucketing: bucketing, isTopLevel: isTopLevel)
        }
    }

    /// The text of an identity.
    func string(_ identity: Identity) -> String {
        switch identity {
        case .distinctId: return subject.distinctId
        case .deviceId: return subject.deviceId ?? ""
        case .groupKey(let key): return key
        }
    }

    let program: FlagProgram
    /// The caller's subject, borrowed for the duration of the run (see ``FlagEvaluator``): holding
    /// a copy would retain and release each of its dictionaries on every evaluation.
    let subjectPointer: UnsafePointer<FlagSubject>
    /// The clock, in microseconds since the Unix epoch.
    let now: Int64
    /// Dependency values computed so far; a `nil` value is a dependency that was inconclusive.
    /// Chains are short, so a list beats a dictionary here.
    var dependencyCache: [(key: FlagDependency.Key, value: FeatureFlagValue?)] = []
    /// Cohorts being matched (by position), innermost last, to stop a cohort that contains itself.
    var cohortStack: [Int] = []
    /// Person property values shared by the flags of one `evaluateAll` call.
    var personCache: PersonPropertyCache?
    /// How many dependency evaluations are in progress, one inside the other.
    var dependencyDepth = 0

    /// A run over `subject`, which must outlive the run.
    init(program: FlagProgram, subject: UnsafePointer<FlagSubject>, now: Int64) {
        self.program = program
        self.subjectPointer = subject
        self.now = now
    }

    var subject: FlagSubject {
        unsafeAddress { subjectPointer }
    }

    /// Forgets the dependency values, so the run can evaluate another top-level flag.
    mutating func reset() {
        dependencyCache.removeAll(keepingCapacity: true)
    }

    // MARK: Top level

    /// Evaluates `flag` and looks up the payload of its value.
    mutating func evaluate(_ flag: CompiledFlag) -> FlagEvaluation {
        // Inactive comes first: an inactive flag is false even with experience continuity.
        guard flag.active else { return .decided(false, payload: flag.payloadWhenFalse) }
        if flag.experienceContinuity { return .inconclusive(.experienceContinuity) }
        do throws(EvaluationError) {
            let value = try compute(flag)
            return .decided(value, payload: flag.payload(for: value))
        } catch {
            return .inconclusive(error.reason)
        }
    }

    private mutating func compute(_ flag: CompiledFlag) throws(EvaluationError) -> FeatureFlagValue {
        if flag.filtersMalformed { throw .malformed }
        if flag.isGroupFlag {
            guard let name = flag.groupName else { throw .inconclusive(.unsupportedDefinition) }
            // Without its group the flag is off, and the server would say the same.
            guard let key = subject.groups[name] else { return false }
            let scope = PropertyScope.group(name, key: key, of: subject)
            let context = Context(distinctId: .groupKey(key), scope: scope, bucketing: .groupKey(key), isTopLevel: true)
            return try matchFlagProperties(flag, context)
        }
        if flag.bucketsByDevice && (subject.deviceId ?? "").isEmpty {
            // No condition runs without a bucketing value, so a cause in the definition outranks this one.
            throw .inconclusive(try definitionReason(of: flag) ?? .missingContext)
        }
        let context = Context(
            distinctId: .distinctId, scope: .person(subjectPointer, cache: personCache),
            bucketing: flag.bucketsByDevice ? .deviceId : .distinctId, isTopLevel: true)
        return try matchFlagProperties(flag, context)
    }

    // MARK: Flag body (match_feature_flag_properties)

    /// Feature enrollment, then the holdout, then the release conditions.
    mutating func matchFlagProperties(
        _ flag: CompiledFlag, _ context: Context
    ) throws(EvaluationError) -> FeatureFlagValue {
        if flag.featureEnrollment {
            if flag.isGroupFlag { throw .inconclusive(.unsupportedDefinition) }
            guard let enrollment = context.scope.lookUp(flag.enrollmentProperty) else {
                throw .inconclusive(.missingContext)
            }
            return .enabled(enrollment == .bool(true) || enrollment == .string("true"))
        }
        switch flag.holdout {
        case .none:
            break
        case .malformed:
            throw .malformed
        case .exclude(let fraction, let everyone, let variant):
            // `!(hash > fraction)` rather than `<=`, so that a NaN percentage holds everyone out as in Python.
            if everyone || !(FlagHash.value(prefix: Self.holdoutPrefix, value: string(context.bucketing)) > fraction) {
                return .variant(variant)
            }
        }
        return try matchConditions(flag, context)
    }

    private static let holdoutPrefix = Array("holdout-".utf8)

    private mutating func matchConditions(
        _ flag: CompiledFlag, _ context: Context
    ) throws(EvaluationError) -> FeatureFlagValue {
        if flag.variantsMalformed { throw .malformed }
        guard let conditions = flag.conditions else { throw .malformed }
        var reason: FlagUnresolvedReason?
        for condition in conditions {
            let match: ConditionMatch
            let value: FeatureFlagValue?
            do throws(EvaluationError) {
                (match, value) = try matchCondition(flag, condition, context)
            } catch {
                switch error {
                case .inconclusive(let cause):
                    reason = .pick(reason, cause)
                    continue
                case .requiresServer(let cause):
                    // Evaluation stops here, so a filter it never reached may carry a stronger reason.
                    guard context.isTopLevel else { throw error }
                    let definitionCause = (try? definitionReason(of: flag)) ?? nil
                    throw .requiresServer(definitionCause.map { .pick(cause, $0) } ?? cause)
                case .malformed:
                    throw error
                }
            }
            if match == .match, let value { return value }
            if flag.earlyExit && match == .outOfRolloutBound {
                if let reason { throw .inconclusive(reason) }
                return false
            }
        }
        if let reason { throw .inconclusive(reason) }
        return false
    }

    private mutating func matchCondition(
        _ flag: CompiledFlag, _ condition: CompiledCondition, _ context: Context
    ) throws(EvaluationError) -> (ConditionMatch, FeatureFlagValue?) {
        if condition.isMalformed { throw .malformed }
        if case .group(let name) = condition.target {
            // Mixed targeting: this condition matches and buckets on a group the subject may have.
            guard context.isTopLevel, let name, let key = subject.groups[name] else { return (.noMatch, nil) }
            let groupContext = context.with(scope: .group(name, key: key, of: subject), bucketing: .groupKey(key))
            return try matchCondition(flag, condition, in: groupContext)
        }
        return try matchCondition(flag, condition, in: context)
    }

    private mutating func matchCondition(
        _ flag: CompiledFlag, _ condition: CompiledCondition, in context: Context
    ) throws(EvaluationError) -> (ConditionMatch, FeatureFlagValue?) {
        let match = try conditionMatch(flag, condition, context)
        guard match == .match else { return (match, nil) }
        if let variant = condition.variantOverride { return (.match, .variant(variant)) }
        if let variant = try matchingVariant(flag, bucketing: string(context.bucketing)), !variant.isEmpty {
            return (.match, .variant(variant))
        }
        return (.match, .enabled(true))
    }

    private mutating func conditionMatch(
        _ flag: CompiledFlag, _ condition: CompiledCondition, _ context: Context
    ) throws(EvaluationError) -> ConditionMatch {
        switch condition.filters {
        case .none:
            break
        case .malformed:
            throw .malformed
        case .all(let filters):
            guard try allFiltersMatch(filters, context) else { return .noMatch }
            if case .everyone = condition.rollout { return .match }
        }
        switch condition.rollout {
        case .everyone:
            return .match
        case .malformed:
            throw .malformed
        case .upTo(let fraction):
            let hash = FlagHash.value(prefix: flag.hashPrefix, value: string(context.bucketing))
            return hash > fraction ? .outOfRolloutBound : .match
        }
    }

    /// The filters of one condition (AND). A definite `false` wins over filters that could not be
    /// decided; a static-cohort error stops the whole flag only if it was the first undecided filter.
    private mutating func allFiltersMatch(
        _ filters: [ConditionFilter], _ context: Context
    ) throws(EvaluationError) -> Bool {
        var reason: FlagUnresolvedReason?
        var serverCause: FlagUnresolvedReason?
        filterLoop: for filter in filters {
            let matched: Bool
            do throws(EvaluationError) {
                matched = try matchFilter(filter, context)
            } catch {
                switch error {
                case .requiresServer(let cause):
                    if reason == nil { serverCause = cause }
                    reason = .pick(reason, cause)
                    continue filterLoop
                case .inconclusive(let cause):
                    reason = .pick(reason, cause)
                    continue filterLoop
                case .malformed:
                    // After an undecided filter the SDK ends the condition as undecided instead.
                    if reason == nil { throw error }
                    break filterLoop
                }
            }
            if !matched { return false }
        }
        if let serverCause { throw .requiresServer(serverCause) }
        if let reason { throw .inconclusive(reason) }
        return true
    }

    /// One filter: a cohort, another flag, or a property.
    mutating func matchFilter(_ filter: ConditionFilter, _ context: Context) throws(EvaluationError) -> Bool {
        switch filter {
        case .property(let matcher): return try matcher.matches(context.scope, now: now)
        case .cohort(let cohort): return try matchCohort(cohort, context)
        case .flag(let dependency): return try matchDependency(dependency, context)
        case .malformed: throw .malformed
        }
    }

    /// The variant whose bucket holds the subject's variant hash, if any.
    private func matchingVariant(_ flag: CompiledFlag, bucketing: String) throws(EvaluationError) -> String? {
        switch flag.variants {
        case .malformedRollout:
            throw .malformed
        case .buckets(let buckets):
            guard !buckets.isEmpty else { return nil }
            let hash = FlagHash.value(prefix: flag.hashPrefix, value: bucketing, suffix: "variant")
            for bucket in buckets where hash >= bucket.lower && hash < bucket.upper {
                return bucket.key
            }
            return nil
        }
    }
}
