/// Why one step of local evaluation stopped, mirroring posthog-python's exceptions.
enum EvaluationError: Error, Equatable {
    /// `InconclusiveMatchError`: this condition is undecided, later conditions may still match.
    case inconclusive(FlagUnresolvedReason)
    /// `RequiresServerEvaluation` (static or unknown cohort): the whole flag needs the server.
    case requiresServer(FlagUnresolvedReason)
    /// Any other exception the SDK would hit on a malformed definition. It escapes conditions
    /// (unless an earlier filter of the condition was already inconclusive) and cohorts, and the
    /// flag is then unresolved; it is reported as `unsupported_definition`.
    case malformed

    /// The reason reported for the flag.
    var reason: FlagUnresolvedReason {
        switch self {
        case .inconclusive(let reason), .requiresServer(let reason): return reason
        case .malformed: return .unsupportedDefinition
        }
    }
}
