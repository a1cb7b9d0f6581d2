public import PostHogCore
import PostHogKit

/// A live view of a running export, for progress lines.
public struct ExportProgress: Sendable, Equatable {
    public var rows = 0
    public var lookbackRows = 0
    public var files = 0
    public var pages = 0
    /// The UTC date being written.
    public var currentDay = ""
    /// The timestamp of the last row read.
    public var position: Timestamp?
    public var requests = 0
    public var retries = 0

    public init() {}
}

/// What an export run did.
public struct ExportSummary: Sendable {
    /// Rows written in the main pass (after the cursor).
    public var rows = 0
    /// Late rows written by `--lookback`.
    public var lookbackRows = 0
    /// Rows the lookback found already exported.
    public var duplicatesSkipped = 0
    /// Rows whose properties were not a JSON object, written with the text under
    /// `$hogport_raw_properties`.
    public var rawProperties = 0
    /// Files published by this run.
    public var files: [String] = []
    public var since: Timestamp?
    public var until: Timestamp?
    /// The cursor after the run.
    public var cursor: ExportCursor?
    public var requests = 0
    public var retries = 0
    public var polls = 0
    public var seconds = 0.0
    public var checkpointPath = ""
    public var outputDirectory = ""

    public init() {}

    /// The summary as JSON (for `--summary-json` and `--log-format json`).
    public var json: JSONValue {
        [
            "rows": .int(Int64(rows)), "lookback_rows": .int(Int64(lookbackRows)), "duplicates_skipped": .int(Int64(duplicatesSkipped)),
            "raw_properties": .int(Int64(rawProperties)),
            "files": .array(files.map { .string($0) }), "since": since.map { .string($0.iso8601) } ?? .null,
            "until": until.map { .string($0.iso8601) } ?? .null,
            "cursor": cursor.map { ["timestamp": .string($0.timestamp.iso8601), "uuid": .string($0.uuid)] } ?? .null,
            "requests": .int(Int64(requests)), "retries": .int(Int64(retries)), "polls": .int(Int64(polls)), "seconds": .double(seconds),
            "checkpoint": .string(checkpointPath), "output": .string(outputDirectory),
        ]
    }
}
