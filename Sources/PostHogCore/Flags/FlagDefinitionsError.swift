/// Why a flag definitions response could not be used.
public enum FlagDefinitionsError: Error, Sendable, Equatable {
    /// The body is not JSON.
    case invalidJSON(JSONParseError)
    /// The body is JSON but not an object.
    case notAnObject
    /// The object has no `flags` array.
    case missingFlags
}
