/// Why an export stopped, with the exit code the CLI uses for it and what to do about it.
public struct ExportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Bad arguments, a checkpoint of another export, or a query the server refused (exit 2).
        case usage
        /// The server refused the personal API key (exit 3).
        case authentication
        /// The server kept failing; what was published is in the checkpoint (exit 4).
        case serverFailing
        /// A page's response was over the transport's size limit even at one row (exit 4). The
        /// pipeline first retries such a page with fewer rows.
        case responseTooLarge
        /// The output directory or the checkpoint cannot be written (exit 5).
        case outputUnwritable
        /// Stopped by a signal after publishing what it had (exit 130).
        case interrupted
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The exit status for this error.
    public var status: ExitStatus {
        switch kind {
        case .usage: return .usage
        case .authentication: return .authentication
        case .serverFailing, .responseTooLarge: return .serverFailing
        case .outputUnwritable: return .inputOutput
        case .interrupted: return .interrupted
        }
    }

    /// The process exit code for this error.
    public var exitCode: Int32 { status.rawValue }
}
