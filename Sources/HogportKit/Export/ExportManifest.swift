import Foundation
public import PostHogCore
import PostHogKit

/// `manifest.json` in the output directory: what the export holds, rebuilt from the checkpoint
/// after every published file (written atomically, so it is never torn).
///
/// ```json
/// {"version": 1, "project_id": "1", "format": "ndjson", "gzip": true,
///  "since": "…", "through": "…", "cursor": {"timestamp": "…", "uuid": "…"}, "rows": 1200,
///  "files": [{"name": "events-2024-03-01.ndjson.gz", "day": "2024-03-01", "part": 1, "rows": 600,
///             "bytes": 8123, "sha1": "…", "first_timestamp": "…", "last_timestamp": "…",
///             "complete": true, "lookback": false}]}
/// ```
public enum ExportManifest {
    public static let fileName = "manifest.json"

    /// The manifest for `job` and `files`.
    public static func json(configuration: ExportConfiguration, job: ExportCheckpoint.Job, files: [ExportCheckpoint.FileRecord]) -> JSONValue {
        var object: [String: JSONValue] = [
            "version": 1, "project_id": .string(configuration.projectId), "format": .string(configuration.format.rawValue),
            "gzip": .bool(configuration.gzip), "since": .string(job.since.iso8601),
            "events": .array(configuration.events.map { .string($0) }),
            "rows": .int(Int64(files.reduce(0) { $0 + $1.rows })), "updated_at": .string(Timestamp.now().iso8601),
        ]
        object["through"] = job.through.map { .string($0.iso8601) } ?? .null
        object["cursor"] = job.cursor.map { ["timestamp": .string($0.timestamp.iso8601), "uuid": .string($0.uuid)] } ?? .null
        object["files"] = .array(
            files.map { file in
                [
                    "name": .string(file.name), "day": .string(ExportFileName.date(ofDay: file.day)), "part": .int(Int64(file.part)),
                    "rows": .int(Int64(file.rows)), "bytes": .int(Int64(file.bytes)), "sha1": .string(file.sha1),
                    "first_timestamp": file.first.map { .string($0.iso8601) } ?? .null,
                    "last_timestamp": file.last.map { .string($0.iso8601) } ?? .null, "complete": .bool(file.complete),
                    "lookback": .bool(file.lookback),
                ]
            })
        return .object(object)
    }

    /// Writes `DIR/manifest.json` from the checkpoint.
    static func write(configuration: ExportConfiguration, checkpoint: ExportCheckpoint) throws(ExportError) {
        guard let job = try checkpoint.job() else { return }
        let value = json(configuration: configuration, job: job, files: try checkpoint.files())
        let path = (configuration.outputDirectory as NSString).appendingPathComponent(fileName)
        do {
            try AtomicFile.write(JSONWriter.pretty(value) + [0x0A], to: path)
        } catch {
            throw ExportError(.outputUnwritable, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
