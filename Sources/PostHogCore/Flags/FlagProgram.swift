/// Compiled definitions, shared by every copy of a ``FlagEvaluator``.
final class FlagProgram: Sendable {
    let definitions: FlagDefinitions
    /// One entry per distinct key, in first-appearance order, holding the last definition of that key.
    let flags: [CompiledFlag]
    private let keyTable: FlagKeyTable
    /// The dynamic cohorts; filters refer to them by position.
    let cohorts: [CohortGroup]
    /// Whether each cohort depends on the person's properties only (no flag filters, no cycle),
    /// so that its outcome can be shared by the flags of one `evaluateAll` call.
    let cohortIsPure: [Bool]
    /// How many distinct property names the filters read (value slots of a ``PersonPropertyCache``).
    let propertySlotCount: Int
    /// How many distinct property filters there are (result slots of a ``PersonPropertyCache``).
    let propertyFilterCount: Int
    /// A result dictionary with every key, and where each flag's entry sits in it:
    /// ``FlagEvaluator/evaluateAll(for:now:)`` copies it and fills the values in place, instead
    /// of hashing every key again. Copies keep the storage layout, so the indices stay valid.
    let resultTemplate: [String: FlagEvaluation]
    let resultIndices: [Dictionary<String, FlagEvaluation>.Index]

    init(definitions: FlagDefinitions) {
        self.definitions = definitions
        var index: [String: Int] = [:]
        var order: [FlagDefinition] = []
        for definition in definitions.flags {
            if let existing = index[definition.key] {
                order[existing] = definition
            } else {
                index[definition.key] = order.count
                order.append(definition)
            }
        }
        let cohortIDs = Array(definitions.cohorts.keys)
        var cohortIndex: [String: Int] = [:]
        for (position, id) in cohortIDs.enumerated() { cohortIndex[id] = position }

        var compiler = FlagCompiler(definitions: definitions, flagIndexByKey: index, cohortIndexByID: cohortIndex)
        cohorts = cohortIDs.map { CohortGroup(definitions.cohorts[$0]!, compiler: &compiler) }
        flags = order.map { CompiledFlag($0, compiler: &compiler) }
        cohortIsPure = Self.purity(of: cohorts)
        keyTable = FlagKeyTable(order.map(\.key))
        propertySlotCount = compiler.propertySlots.count
        propertyFilterCount = compiler.propertyMatchers.count
        var template: [String: FlagEvaluation] = [:]
        template.reserveCapacity(order.count)
        for definition in order { template[definition.key] = .inconclusive(.unsupportedDefinition) }
        resultTemplate = template
        resultIndices = order.map { template.index(forKey: $0.key)! }
    }

    /// A cohort is pure when every filter in it, and in the cohorts it refers to, is a property
    /// filter (or fails the same way every time). Flag filters read the per-flag dependency cache.
    private static func purity(of cohorts: [CohortGroup]) -> [Bool] {
        enum State { case unknown, visiting, pure, impure }
        var states = [State](repeating: .unknown, count: cohorts.count)

        func isPure(_ index: Int) -> Bool {
            switch states[index] {
            case .pure: return true
            case .impure, .visiting: return false  // a cycle is not shared
            case .unknown: break
            }
            states[index] = .visiting
            let pure = isPure(group: cohorts[index])
            states[index] = pure ? .pure : .impure
            return pure
        }

        func isPure(group: CohortGroup) -> Bool {
            guard case .group(_, let entries) = group else { return true }
            for entry in entries {
                switch entry {
                case .malformed: continue
                case .nested(let nested): if !isPure(group: nested) { return false }
                case .filter(let filter, _): if !isPure(filter: filter) { return false }
                }
            }
            return true
        }

        func isPure(filter: ConditionFilter) -> Bool {
            switch filter {
            case .property, .malformed: return true
            case .flag: return false
            case .cohort(let reference):
                guard let index = reference.index else { return true }
                return isPure(index)
            }
        }

        return cohorts.indices.map(isPure)
    }

    @inline(__always)
    func flag(forKey key: String) -> CompiledFlag? {
        keyTable.index(of: key).map { flags[$0] }
    }
}
