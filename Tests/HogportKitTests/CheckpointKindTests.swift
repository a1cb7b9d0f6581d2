import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// Import and export checkpoints are told apart: `hogport status` reads both, and neither job
/// writes into the other's database.
@Suite("Checkpoint kinds and export status", .serialized)
struct CheckpointKindTests {
    @Test("hogport status on an export checkpoint: status, cursor, files and rows (text and JSON)")
    func exportStatus() async throws {
        try await withTemporaryDirectory { dir in
            try await withExportSink { sink in
                try await seed(sink, sinkRows(count: 30, spacing: .seconds(3600)))
                let job = ExportTestJob(directory: dir, host: sink.url)
                #expect(try await job.run().rows == 30)
                let path = job.configuration.checkpointPath
                #expect(try CheckpointKind.of(path: path) == .export)

                let text = try await FlagCLIProcess.run(["status", "--checkpoint", path])
                #expect(text.status == 0, "\(text.stderr)")
                #expect(text.stdout.contains("export:   done"), "\(text.stdout)")
                #expect(text.stdout.contains("events-2024-03-01.ndjson: 24 rows"), "\(text.stdout)")
                #expect(text.stdout.contains("total:    2 files, 30 rows"), "\(text.stdout)")
                #expect(text.stdout.contains("cursor:   2024-03-02T05:00:00.000123Z \(ImportRows.uuid(29))"), "\(text.stdout)")

                let json = try JSONParser.parse(try await FlagCLIProcess.run(["status", "--checkpoint", path, "--json"]).stdout)
                #expect(json["kind"] == "export")
                #expect(json["rows"] == 30)
                #expect(json["files"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["events-2024-03-01.ndjson", "events-2024-03-02.ndjson"])
                #expect(json["cursor"]?["uuid"] == .string(ImportRows.uuid(29)))
            }
        }
    }

    @Test("an import refuses an export checkpoint and an export an import one (usage, exit 2); neither database is changed")
    func crossedCheckpoints() async throws {
        try await withTemporaryDirectory { dir in
            // An import checkpoint.
            let input = try writeLines(dir, "rows.ndjson", ImportRows.sampleNDJSON(count: 5, days: 1))
            try await withSink { sink in
                let importJob = ImportTestJob(directory: dir, inputs: [input], host: sink.url)
                _ = try await withHTTPTransport { transport in try await importJob.run(transport: transport) }
            }
            let importDB = dir.file("job.db")
            #expect(try CheckpointKind.of(path: importDB) == .import)
            var export = ExportTestJob(directory: dir)
            export.configuration.checkpointPath = importDB
            do {
                _ = try await export.run(transport: ScriptedTransport([], then: .status(500)), clock: FakeClock())
                Issue.record("expected a usage error")
            } catch let error as ExportError {
                #expect(error.exitCode == 2)
                #expect(error.message.contains("belongs to an import"))
            }
            #expect(try CheckpointKind.of(path: importDB) == .import)

            // An export checkpoint given to an import.
            let exportJob = ExportTestJob(directory: dir)
            _ = try await exportJob.run(transport: ScriptedTransport([], then: ExportQueryClientTests.page([])), clock: FakeClock())
            var importJob = ImportTestJob(directory: dir, inputs: [input])
            importJob.configuration.checkpointPath = exportJob.configuration.checkpointPath
            do {
                _ = try await withHTTPTransport { transport in try await importJob.run(transport: transport) }
                Issue.record("expected a usage error")
            } catch let error as ImportError {
                #expect(error.kind == .jobMismatch)
                #expect(error.message.contains("belongs to an export"))
            }
            #expect(try CheckpointKind.of(path: exportJob.configuration.checkpointPath) == .export)
            #expect(try CheckpointKind.of(path: dir.file("nothing.db")) == nil)
            #expect(!FileManager.default.fileExists(atPath: dir.file("nothing.db")), "looking does not create a file")
            // A file that is not a database is an error, not "neither kind".
            _ = FileManager.default.createFile(atPath: dir.file("text.db"), contents: Data(String(repeating: "not a database ", count: 100).utf8))
            #expect(throws: SQLiteError.self) { try CheckpointKind.of(path: dir.file("text.db")) }
        }
    }
}
