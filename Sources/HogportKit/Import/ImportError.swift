/// Why an import stopped, with the exit code the CLI uses for it.
public struct ImportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Bad arguments or configuration (exit 2).
        case usage
        /// The server refused the key (exit 3).
        case authentication
        /// The server kept failing; progress is saved (exit 4).
        case serverFailing
        /// Input could not be read (exit 5).
        case unreadableInput
        /// `--strict` or `--max-rejects` stopped the run (exit 1).
        case tooManyRejects
        /// Interrupted by a signal; progress is saved (exit 130).
        case interrupted
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The process exit code for this error.
    public var exitCode: Int32 {
        switch kind {
        case .usage: return 2
        case .authentication: return 3
        case .serverFailing: return 4
        case .unreadableInput: return 5
        case .tooManyRejects: return 1
        case .interrupted: return 130
        }
    }
}
