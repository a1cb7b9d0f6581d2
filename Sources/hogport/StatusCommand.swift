import ArgumentParser
import Foundation
import HogportKit
import PostHogKit

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show an import job's progress from its checkpoint: per file, counts, last error."
    )

    @Option(help: "The checkpoint database.")
    var checkpoint: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: checkpoint) else { throw ValidationError("no checkpoint at \(checkpoint)") }
        let store = try CheckpointStore(path: checkpoint)
        let job = try store.status()
        let files = try store.allProgress()
        var total = ImportCounts()
        for f in files { total.add(f.counts) }
        if json {
            let object: JSONValue = [
                "status": job.map { .string($0.status) } ?? .null, "last_error": job?.lastError.map { .string($0) } ?? .null,
                "updated_at": job.map { .string($0.updated) } ?? .null,
                "files": .array(files.map { f in
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
}
