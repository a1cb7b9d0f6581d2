import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

@Suite("Import inputs: empty files and path spellings")
struct ImportInputTests {
    @Test("an empty CSV file among others is skipped with a warning; the others are imported")
    func emptyCSV() async throws {
        try await withTemporaryDirectory { dir in
            let empty = try dir.write("a-empty.csv", "")
            let rows = try dir.write("b-rows.csv", ImportRows.sampleCSV(count: 20))
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    let job = ImportTestJob(directory: dir, inputs: [empty, rows], host: sink.url)
                    let summary = try await job.run(transport: transport)
                    #expect(summary.counts.sent == 20)
                    #expect(summary.filesImported == 2)
                    #expect(try sink.router.store.counts().events == 20)
                }
            }
        }
    }

    @Test("./a, a and dir//a are one file to the checkpoint", arguments: ["./%@", "%@", ".//%@/"])
    func pathSpellings(_ spelling: String) throws {
        #expect(InputExpander.normalized(spelling.replacingOccurrences(of: "%@", with: "x/a.ndjson")) == "x/a.ndjson")
        #expect(InputExpander.normalized("/tmp/./x//a.ndjson") == "/tmp/x/a.ndjson")
        #expect(InputExpander.normalized("-") == "-")
        #expect(InputExpander.normalized("../a.csv") == "../a.csv")
    }

    @Test("a file imported as ./name is done when named name")
    func resumeAcrossSpellings() async throws {
        try await withTemporaryDirectory { dir in
            let path = try dir.write("events.ndjson", ImportRows.sampleNDJSON(count: 30).joined(separator: "\n") + "\n")
            let parent = (path as NSString).deletingLastPathComponent
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    let first = ImportTestJob(directory: dir, inputs: try InputExpander.expand([parent + "/./events.ndjson"]), host: sink.url)
                    #expect(try await first.run(transport: transport).counts.sent == 30)
                    let second = ImportTestJob(directory: dir, inputs: try InputExpander.expand([parent + "//events.ndjson"]), host: sink.url)
                    let again = try await second.run(transport: transport)
                    #expect(again.counts.sent == 0)
                    #expect(again.filesSkippedAsDone == 1)
                }
            }
        }
    }
}
