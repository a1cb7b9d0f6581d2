/// hogport's exit codes: one table for every command, the `--help` texts and the docs.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Everything done: every row delivered (or already done by an earlier run).
    case success = 0
    /// Finished, with something to look at: rejected rows, or (`flags snapshot --exit-code`) a change.
    case findings = 1
    /// Bad arguments or configuration, another run holding the job, a checkpoint of another job
    /// or destination.
    case usage = 2
    /// The server refused the key.
    case authentication = 3
    /// The server kept failing; progress is saved.
    case serverFailing = 4
    /// Input could not be read (or was damaged), or output (checkpoint, rejects, files) could not be written.
    case inputOutput = 5
    /// Stopped by a signal; progress is saved.
    case interrupted = 130

    /// What the code means, in a few words.
    public var meaning: String {
        switch self {
        case .success: return "all delivered"
        case .findings: return "finished with rejected rows"
        case .usage: return "usage or job conflict"
        case .authentication: return "authentication"
        case .serverFailing: return "server kept failing (progress saved)"
        case .inputOutput: return "unreadable or damaged input, or unwritable output"
        case .interrupted: return "interrupted (progress saved)"
        }
    }

    /// `Exit codes: 0 all delivered, 1 ...`: the line `--help` shows.
    public static var helpLine: String {
        "Exit codes: " + allCases.map { "\($0.rawValue) \($0.meaning)" }.joined(separator: ", ") + "."
    }
}
