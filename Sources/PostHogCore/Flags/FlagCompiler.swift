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
    /// Property name → value slot in a ``PersonPropertyCache``.
    var propertySlots: [String: Int] = [:]
    /// Filters with the same key, operator and value compile once, so that their outcome can be
    /// shared (their position is their result slot in a ``PersonPropertyCache``).
    var propertyMatchers: [String: PropertyMatcher] = [:]

    init(definitions: FlagDefinitions, flagIndexByKey: [String: Int], cohortIndexByID: [String: Int]) {
        explicitMatching = definitions.propertyMatchingVersion == 2
        groupTypeMapping = definitions.groupTypeMapping
        self.flagIndexByKey = flagIndexByKey
        self.cohortIndexByID = cohortIndexByID
    }

    /// The compiled matcher for a property filter object, shared with identical filters.
    mutating func propertyMatcher(for filter: [String: JSONValue]) -> PropertyMatcher {
        // Only these fields affect matching; JSON text keeps 1 and 1.0 (and code points) apart.
        var identity: [String: JSONValue] = [:]
        for field in ["key", "operator", "value"] { identity[field] = filter[field] }
        let text = JSONWriter.string(.object(identity), sortedKeys: true)
        if let matcher = propertyMatchers[text] { return matcher }
        let matcher = PropertyMatcher(filter: filter, resultSlot: propertyMatchers.count, compiler: &self)
        propertyMatchers[text] = matcher
        return matcher
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
