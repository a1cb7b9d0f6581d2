/// Shared state while compiling a definitions response: settings every filter needs, and a
/// cache so that a regex used by several filters is translated and compiled once.
struct FlagCompiler {
    let explicitMatching: Bool
    let groupTypeMapping: [String: String]
    /// Flag key → position in the program, for resolving dependencies ahead of time.
    let flagIndexByKey: [String: Int]
    /// Cohort id → position in the program.
    let cohortIndexByID: [String: Int]
    var regexCache: [String: PropertyMatcher.RegexValue] = [:]
    /// Property name → slot in a ``PropertyLookupCache``.
    var propertySlots: [String: Int] = [:]

    init(definitions: FlagDefinitions, flagIndexByKey: [String: Int], cohortIndexByID: [String: Int]) {
        explicitMatching = definitions.propertyMatchingVersion == 2
        groupTypeMapping = definitions.groupTypeMapping
        self.flagIndexByKey = flagIndexByKey
        self.cohortIndexByID = cohortIndexByID
    }

    /// The cache slot of a property name.
    mutating func slot(forProperty name: String) -> Int {
        if let slot = propertySlots[name] { return slot }
        let slot = propertySlots.count
        propertySlots[name] = slot
        return slot
    }

    /// The group type name for an aggregation index (`group_type_mapping[str(index)]`);
    /// `nil` when unknown or empty.
    func groupName(for index: JSONValue) -> String? {
        guard let name = groupTypeMapping[index.pythonString], !name.isEmpty else { return nil }
        return name
    }
}
