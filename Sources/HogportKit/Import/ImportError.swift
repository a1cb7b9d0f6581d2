/// Why an import stopped, with the exit code the CLI uses for it.
public struct ImportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Bad arguments or configuration (exit 2).
        case usage
        /// Another run holds the job's checkpoint (exit 2).
        case busy
        /// The checkpoint belongs to another job or destination (exit 2).
        case jobMismatch
        /// The server refused the key (exit 3).
        case authentication
        /// The server kept failing; progress is saved (exit 4).
        case serverFailing
        /// Input could not be read, or a compressed file is damaged (exit 5).
        case unreadableInput
        /// The checkpoint, rejects file or summary cannot be written (exit 5).
        case outputUnwritable
        /// `--strict` or `--max-rejects` stopped the run (exit 1).
        case tooManyRejects
        /// Interrupted by a signal; progress is saved (exit 130).
        case interrupted
    }

    public var kind: Kind
    public var message: String
    /// What the run did before it stopped, when it got that far (for the summary a user still wants).
    public var summary: ImportSummary?

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The exit status for this error.
    public var status: ExitStatus {
        switch kind {
        case .usage, .busy, .jobMismatch: return .usage
        case .authentication: return .authentication
        case .serverFailing: return .serverFailing
        case .unreadableInput, .outputUnwritable: return .inputOutput
        case .tooManyRejects: return .findings
        case .interrupted: return .interrupted
        }
    }

    /// The process exit code for this error.
    public var exitCode: Int32 { status.rawValue }
}
