public import PostHogCore
import PostHogKit

/// A live view of a running import, for progress bars and log lines.
public struct ImportProgress: Sendable, Equatable {
    public var rowsRead = 0
    public var eventsSent = 0
    public var rejected = 0
    public var skipped = 0
    /// Raw (compressed) input bytes consumed and their total, for a percentage and ETA.
    public var bytesRead: Int64 = 0
    public var bytesTotal: Int64 = 0
    public var currentFile = ""
    public var filesDone = 0
    public var filesTotal = 0
    public var inFlight = 0
    public var concurrencyLimit = 0
    public var retries = 0
    public var requests = 0
    /// The last failed attempt's error (a refused connection, a timeout, an HTTP status), if any.
    public var lastError: String?
    /// Where the events go.
    public var host = ""

    public init() {}
}

/// What an import did, for the final summary and `--summary-json`.
public struct ImportSummary: Sendable {
    public var counts = ImportCounts()
    /// Rows already committed by earlier runs (skipped on resume).
    public var resumedRows = 0
    public var filesImported = 0
    public var filesSkippedAsDone = 0
    public var earliest: Timestamp?
    public var latest: Timestamp?
    public var outOfOrder = 0
    public var seconds = 0.0
    public var requests = 0
    public var retries = 0
    public var checkpointPath = ""
    public var rejectsPath = ""
    public var dryRun = false
    /// In a dry run, the first mapped messages.
    public var preview: [JSONValue] = []
    public var stopReason: String?
    /// Events timed before 1970 (sent, but usually a unit mistake in the source).
    public var before1970 = 0
    /// Where the events went, and whether that is the local sink started because no host was set.
    public var host = ""
    public var localSink = false
    /// Set when the inputs held no rows at all: what was found instead.
    public var noInput: String?
    /// Compressed files refused whole because their data is damaged (file, byte offset, reason).
    public var damagedFiles: [String] = []

    /// Events per request (retries included), 0 when nothing was sent.
    public var eventsPerRequest: Double { requests > 0 ? Double(counts.sent) / Double(requests) : 0 }

    public init() {}

    /// Events per second over the run.
    public var eventsPerSecond: Double { seconds > 0 ? Double(counts.sent) / seconds : 0 }

    /// The summary as JSON.
    public var json: JSONValue {
        var kinds: [String: JSONValue] = [:]
        for kind in MessageKind.allCases { kinds[kind.rawValue] = .int(Int64(counts.kinds[kind] ?? 0)) }
        return [
            "rows": .int(Int64(counts.rows)), "sent": .int(Int64(counts.sent)), "rejected": .int(Int64(counts.rejected)),
            "skipped": .int(Int64(counts.skipped)), "by_kind": .object(kinds), "resumed_rows": .int(Int64(resumedRows)),
            "files_imported": .int(Int64(filesImported)), "files_already_done": .int(Int64(filesSkippedAsDone)),
            "event_time_from": earliest.map { .string($0.iso8601) } ?? .null, "event_time_to": latest.map { .string($0.iso8601) } ?? .null,
            "out_of_order": .int(Int64(outOfOrder)), "seconds": .double((seconds * 1000).rounded() / 1000),
            "events_per_second": .double(eventsPerSecond.rounded()), "requests": .int(Int64(requests)), "retries": .int(Int64(retries)),
            "checkpoint": .string(checkpointPath), "rejects": .string(rejectsPath), "dry_run": .bool(dryRun),
            "stopped": stopReason.map { .string($0) } ?? .null,
            "events_per_request": .double((eventsPerRequest * 10).rounded() / 10), "before_1970": .int(Int64(before1970)),
            "host": .string(host), "local_sink": .bool(localSink), "damaged_files": .array(damagedFiles.map { .string($0) }),
        ]
    }
}
