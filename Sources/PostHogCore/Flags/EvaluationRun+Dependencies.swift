extension EvaluationRun {
    /// How deep dependency evaluations may nest before they count as endless recursion.
    static let maximumDependencyDepth = 64

    /// A `flag_evaluates_to` filter (posthog-python's `evaluate_flag_dependency`).
    ///
    /// The chain's flags are evaluated in order and cached for the rest of this top-level
    /// evaluation; only the referenced flag's value decides the filter.
    mutating func matchDependency(_ dependency: FlagDependency, _ context: Context) throws(EvaluationError) -> Bool {
        if dependency.isMalformedShape { return false }
        guard case .keys(let chain) = dependency.chain else { throw .inconclusive(.unsupportedDefinition) }

        // A member with no definition outranks one that is merely undecided: check them all first.
        for key in chain {
            if case .unhashable = key { throw .malformed }
            if cachedValue(key) == nil && !key.isDefined {
                setCachedValue(key, nil)
                throw .inconclusive(.unsupportedDefinition)
            }
        }
        for key in chain where cachedValue(key) == nil {
            try evaluateDependency(key, context)
        }

        if case .unhashable = dependency.key { throw .malformed }
        let cached = cachedValue(dependency.key)
        guard let cached, let actual = cached else {
            let known = dependency.key.isDefined && cached != nil
            throw .inconclusive(known ? .unresolvedDependency : .unsupportedDefinition)
        }
        return dependency.isSatisfied(by: actual)
    }

    /// The cached value of `key`: `nil` when not evaluated yet, `.some(nil)` when it was inconclusive.
    private func cachedValue(_ key: FlagDependency.Key) -> FeatureFlagValue?? {
        for entry in dependencyCache where entry.key == key { return .some(entry.value) }
        return nil
    }

    private mutating func setCachedValue(_ key: FlagDependency.Key, _ value: FeatureFlagValue?) {
        if let position = dependencyCache.firstIndex(where: { $0.key == key }) {
            dependencyCache[position].value = value
        } else {
            dependencyCache.append((key, value))
        }
    }

    /// Evaluates one chain member into the cache (posthog-python's `_evaluate_dependency`).
    ///
    /// It runs the flag body on the *current* property map and distinct id, with no groups: a
    /// group flag met as a dependency is matched against these properties and bucketed on this id.
    private mutating func evaluateDependency(_ key: FlagDependency.Key, _ context: Context) throws(EvaluationError) {
        guard case .flag(let index) = key else { return }
        let flag = program.flags[index]
        guard flag.active else {
            setCachedValue(key, .enabled(false))
            return
        }
        if flag.experienceContinuity {
            setCachedValue(key, nil)
            throw .inconclusive(.unresolvedDependency)
        }
        // A chain that leads back to a flag being evaluated recurses, as in the SDK: each round
        // may cache more of the chain and end the loop. One that never ends hits Python's
        // recursion limit (about a hundred levels); the server never sends such chains.
        if dependencyDepth >= Self.maximumDependencyDepth { throw .malformed }
        dependencyDepth += 1
        defer { dependencyDepth -= 1 }
        do throws(EvaluationError) {
            if flag.filtersMalformed { throw .malformed }
            let bucketing: Identity
            if !flag.isGroupFlag && flag.bucketsByDevice {
                guard let device = subject.deviceId, !device.isEmpty else {
                    throw .inconclusive(.missingContext)
                }
                bucketing = .deviceId
            } else {
                bucketing = context.distinctId
            }
            let dependencyContext = Context(
                distinctId: context.distinctId, scope: context.scope, bucketing: bucketing, isTopLevel: false)
            setCachedValue(key, try matchFlagProperties(flag, dependencyContext))
        } catch {
            switch error {
            case .requiresServer:
                // Nothing is cached, so another filter on this flag needs the server too.
                throw .requiresServer(.unresolvedDependency)
            case .inconclusive:
                setCachedValue(key, nil)
                throw .inconclusive(.unresolvedDependency)
            case .malformed:
                throw error
            }
        }
    }
}
