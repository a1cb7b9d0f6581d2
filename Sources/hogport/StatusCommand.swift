import ArgumentParser
import Foundation
import HogportKit
import PostHogCore
import PostHogKit

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show an import or export job's progress from its checkpoint: files, counts, cursor, last error."
    )

    @Option(help: "The checkpoint database.")
    var checkpoint: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: checkpoint) else { throw ValidationError("no checkpoint at \(checkpoint)") }
        if try CheckpointKind.of(path: checkpoint) == .export {
            try exportStatus()
            return
        }
        let store = try CheckpointStore(path: checkpoint)
        let job = try store.status()
        let files = try store.allProgress()
        var total = ImportCounts()
        for f in files { total.add(f.counts) }
        if json {
            let object: JSONValue = [
                "kind": "import", "status": job.map { .string($0.status) } ?? .null, "last_error": job?.lastError.map { .string($0) } ?? .null,
                "updated_at": job.map { .string($0.updated) } ?? .null,
                "files": .array(
                    files.map { f in
                        [
                            "path": .string(f.identity.path), "line": .int(Int64(f.line)), "byte_offset": .int(f.offset), "size": .int(f.identity.size),
                            "rows": .int(Int64(f.counts.rows)), "sent": .int(Int64(f.counts.sent)), "rejected": .int(Int64(f.counts.rejected)),
                            "skipped": .int(Int64(f.counts.skipped)), "done": .bool(f.done),
                        ]
                    }),
                "rows": .int(Int64(total.rows)), "sent": .int(Int64(total.sent)), "rejected": .int(Int64(total.rejected)),
            ]
            print(JSONWriter.string(object, sortedKeys: true))
            return
        }
        print("job:      \(job?.status ?? "unknown") (started \(job?.created ?? "?"), updated \(job?.updated ?? "?"))")
        if let error = job?.lastError { print("last error: \(error)") }
        for f in files {
            let state = f.done ? "done" : "committed through line \(f.line) (byte \(f.offset) of the decoded stream)"
            print("  \(f.identity.path): \(state); rows \(f.counts.rows), sent \(f.counts.sent), rejected \(f.counts.rejected), skipped \(f.counts.skipped)")
        }
        print("total:    rows \(total.rows), sent \(total.sent), rejected \(total.rejected), skipped \(total.skipped)")
    }

    /// An export checkpoint: the cursor, how far the export is complete, and the files it published.
    func exportStatus() throws {
        let store = try ExportCheckpoint(path: checkpoint)
        guard let job = try store.job() else { throw ValidationError("the export checkpoint \(checkpoint) has no job yet") }
        let files = try store.files()
        let rows = files.reduce(0) { $0 + $1.rows }
        if json {
            let object: JSONValue = [
                "kind": "export", "status": .string(job.status), "last_error": job.lastError.map { .string($0) } ?? .null,
                "since": .string(job.since.iso8601), "through": job.through.map { .string($0.iso8601) } ?? .null,
                "cursor": job.cursor.map { ["timestamp": .string($0.timestamp.iso8601), "uuid": .string($0.uuid)] } ?? .null,
                "files": .array(
                    files.map { f in
                        [
                            "name": .string(f.name), "rows": .int(Int64(f.rows)), "bytes": .int(Int64(f.bytes)), "sha1": .string(f.sha1),
                            "complete": .bool(f.complete),
                        ]
                    }),
                "rows": .int(Int64(rows)),
            ]
            print(JSONWriter.string(object, sortedKeys: true))
            return
        }
        print("export:   \(job.status) (since \(job.since.iso8601))")
        if let through = job.through { print("complete through \(through.iso8601)") }
        if let cursor = job.cursor { print("cursor:   \(cursor.timestamp.iso8601) \(cursor.uuid)") }
        if let error = job.lastError { print("last error: \(error)") }
        for f in files {
            print("  \(f.name): \(f.rows) rows, \(f.bytes) bytes\(f.complete ? "" : " (its day continues in a later part)")")
        }
        print("total:    \(files.count) files, \(rows) rows")
    }
}
