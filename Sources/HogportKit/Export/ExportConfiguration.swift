public import PostHogCore
public import PostHogKit

/// Everything an export run needs to know.
public struct ExportConfiguration: Sendable {
    /// The PostHog app host (`https://us.posthog.com`), or a sink's URL.
    public var host: String
    public var projectId: String
    /// The personal API key (Query Read scope); sent as a Bearer token, never logged.
    public var personalAPIKey: String
    /// Where day files and `manifest.json` go.
    public var outputDirectory: String
    /// The checkpoint database (default `<out>/.hogport-export.db`).
    public var checkpointPath: String
    /// The first instant exported (inclusive). Required for a fresh checkpoint; a resumed one
    /// continues after its cursor and must agree with the `since` it started with, if given.
    public var since: Timestamp?
    /// The end (exclusive); nil means the run's start time minus ``settle``.
    public var until: Timestamp?
    /// With no explicit ``until``, the run ends this long before its start: events reach
    /// PostHog seconds to a minute late (SDKs flush in batches), and one that lands below the
    /// cursor would never be read by the main pass.
    public var settle: Duration = .seconds(600)
    public var format = ExportFormat.ndjson
    public var gzip = false
    /// Only these event names; empty means all.
    public var events: [String] = []
    /// Rows per query (at most 50,000).
    public var pageSize = 10_000
    /// Re-read this window before the cursor for late-arriving events (0 = off).
    public var lookback: Duration = .zero
    /// Requests per minute ceiling (PostHog allows 240 for queries).
    public var requestsPerMinute = 200.0
    /// Requests per hour ceiling (PostHog allows 2,400 for queries; some older plans 120). A tenth
    /// of it may be used in a burst, so no sliding hour sees more than 1.1 times this.
    public var requestsPerHour = 2_000.0
    /// The largest answer read (`--max-response-mib`); a page over it is asked again with fewer rows.
    public var maximumResponseBytes = 64 * 1024 * 1024
    /// Forget the checkpoint and start over.
    public var restart = false
    public var retryPolicy = RetryPolicy(maxRetries: 8, baseDelay: .milliseconds(500), maxDelay: .seconds(30))
    /// The deadline of one request.
    public var requestTimeout: Duration = .seconds(120)
    /// The first wait between polls of an asynchronous query; it doubles up to ``maxPollInterval``.
    public var pollInterval: Duration = .milliseconds(500)
    public var maxPollInterval: Duration = .seconds(5)
    /// How many polls one query may take before the export gives up (exit 4).
    public var maxPolls = 400

    public init(host: String, projectId: String, personalAPIKey: String, outputDirectory: String, checkpointPath: String? = nil) {
        self.host = host
        self.projectId = projectId
        self.personalAPIKey = personalAPIKey
        self.outputDirectory = outputDirectory
        self.checkpointPath = checkpointPath ?? Self.defaultCheckpoint(outputDirectory: outputDirectory)
    }

    /// `<out>/.hogport-export.db`: the checkpoint travels with the files it describes.
    public static func defaultCheckpoint(outputDirectory: String) -> String {
        (outputDirectory.hasSuffix("/") ? outputDirectory : outputDirectory + "/") + ".hogport-export.db"
    }

    /// What must stay the same for a checkpoint to be continued: where from, what, and how written.
    func fingerprint(since: Timestamp) -> String {
        let names = events.sorted().joined(separator: ",")
        return "project=\(projectId)\u{1E}since=\(since.microseconds)\u{1E}format=\(format.rawValue)\u{1E}gzip=\(gzip)\u{1E}events=\(names)"
    }

    /// The settle window in microseconds.
    var settleMicros: Int64 {
        let parts = settle.components
        return parts.seconds * 1_000_000 + parts.attoseconds / 1_000_000_000_000
    }

    /// The checkpoint's lock file: `<checkpoint>.lock`, held (flock) for a whole run.
    public var lockPath: String { checkpointPath + ".lock" }

    /// The query endpoint.
    var queryURL: String {
        var base = host
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/api/projects/\(projectId)/query/"
    }
}
