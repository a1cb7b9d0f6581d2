import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Synchronization
import Testing
import TestSupport

/// A `hogport` child process with its output collected as it comes.
final class HogportProcess: @unchecked Sendable {
    /// The built executable: next to the test bundle, else `.build/debug/hogport`.
    static let executable: URL = {
        let besideTests = Bundle.main.bundleURL.appendingPathComponent("hogport")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/hogport")
    }()

    /// The environment of this process without any POSTHOG_* variable, plus `extra`.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("POSTHOG_") }
        environment.merge(extra) { $1 }
        return environment
    }

    private let process = Process()
    private let stdoutBuffer = Mutex<[UInt8]>([])
    private let stderrBuffer = Mutex<[UInt8]>([])
    private let exitStatus = Mutex<Int32?>(nil)
    /// How many of the two output pipes reached end of file.
    private let closedPipes = Mutex(0)

    init(_ arguments: [String], environment: [String: String] = HogportProcess.environment()) throws {
        process.executableURL = Self.executable
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        out.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                closedPipes.withLock { $0 += 1 }
            } else {
                stdoutBuffer.withLock { $0 += data }
            }
        }
        err.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                closedPipes.withLock { $0 += 1 }
            } else {
                stderrBuffer.withLock { $0 += data }
            }
        }
        process.terminationHandler = { [self] process in
            exitStatus.withLock { $0 = process.terminationStatus }
        }
        try process.run()
    }

    var stdout: String { String(decoding: stdoutBuffer.withLock { $0 }, as: UTF8.self) }
    var stderr: String { String(decoding: stderrBuffer.withLock { $0 }, as: UTF8.self) }
    var pid: Int32 { process.processIdentifier }

    /// The first line of standard output, once it is complete.
    func firstLine(timeout: Duration = .seconds(30)) async -> String? {
        var line: String?
        _ = await eventually(timeout: timeout) {
            if let newline = self.stdout.firstIndex(of: "\n") {
                line = String(self.stdout[..<newline])
                return true
            }
            return self.exitStatus.withLock { $0 } != nil
        }
        return line
    }

    /// Waits for the process to end; returns its exit status, or nil at the deadline.
    func waitForExit(timeout: Duration = .seconds(60)) async -> Int32? {
        guard await eventually(timeout: timeout, { self.exitStatus.withLock { $0 } != nil }) else { return nil }
        // Let the pipes drain: the handlers see end of file shortly after the exit.
        _ = await eventually(timeout: .seconds(5)) { self.closedPipes.withLock { $0 } == 2 }
        process.waitUntilExit()
        return exitStatus.withLock { $0 }
    }

    /// Sends `signal` to the process.
    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Kills the process if it still runs (cleanup after a failed test).
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Runs hogport to completion; returns (status, stdout, stderr).
    static func run(
        _ arguments: [String], environment: [String: String] = HogportProcess.environment(), timeout: Duration = .seconds(60)
    )
        async throws -> (status: Int32?, stdout: String, stderr: String)
    {
        let child = try HogportProcess(arguments, environment: environment)
        let status = await child.waitForExit(timeout: timeout)
        child.stop()
        return (status, child.stdout, child.stderr)
    }
}

/// Runs `hogport sink` on a free port for `body`, then stops it with SIGTERM.
func withSinkProcess<R>(
    apiKey: String = TestKeys.project, extra: [String] = [], _ body: (String, String, HogportProcess) async throws -> R
) async throws -> R {
    try await withTemporaryDirectory { directory async throws in
        let db = directory.file("cli-sink.db")
        let sink = try HogportProcess(["sink", "--db", db, "--api-key", apiKey, "--port", "0"] + extra)
        defer { sink.stop() }
        let line = try #require(await sink.firstLine(), "no address line; stderr: \(sink.stderr)")
        let result = try await body(line, db, sink)
        sink.signal(SIGTERM)
        #expect(await sink.waitForExit(timeout: .seconds(20)) == 0, "sink exits 0 on SIGTERM; stderr: \(sink.stderr)")
        return result
    }
}

@Suite("hogport command line (real processes)")
struct CLITests {
    @Test("The hogport executable was built")
    func executableExists() {
        #expect(FileManager.default.isExecutableFile(atPath: HogportProcess.executable.path), "\(HogportProcess.executable.path)")
    }

    @Test("sink prints http://127.0.0.1:PORT first, serves capture requests, and exits 0 on SIGTERM")
    func sinkServes() async throws {
        try await withSinkProcess { url, db, sink throws in
            #expect(url.wholeMatch(of: /http:\/\/127\.0\.0\.1:[1-9][0-9]{0,4}/) != nil, "first line: \(url)")
            let response = try await withHTTPTransport { transport throws in
                try await transport.send(
                    HTTPTransportRequest(
                        method: "POST", url: url + "/batch/", headers: [("Content-Type", "application/json")],
                        body: JSONWriter.encode(RawEvents.batch([RawEvents.event("over the cli")])), timeout: .seconds(10)))
            }
            #expect(response.status == 200)
            #expect(try SinkStore(path: db).allEvents().map(\.event) == ["over the cli"])
        }
    }

    @Test("sink also stops cleanly on SIGINT and reports what it stored")
    func sinkSIGINT() async throws {
        try await withTemporaryDirectory { directory async throws in
            let sink = try HogportProcess(["sink", "--db", directory.file("s.db"), "--port", "0"])
            defer { sink.stop() }
            _ = try #require(await sink.firstLine())
            sink.signal(SIGINT)
            #expect(await sink.waitForExit(timeout: .seconds(20)) == 0)
            #expect(sink.stderr.contains("sink stopped"))
        }
    }

    @Test("send delivers a small NDJSON file into the sink and exits 0")
    func sendDelivers() async throws {
        try await withSinkProcess { url, db, _ throws in
            try await withTemporaryDirectory { directory async throws in
                let uuid = "0189d5b2-3c4e-7a1b-9c2d-3e4f5a6b7c8d"
                let lines = [
                    #"{"event":"signed up","distinct_id":"u1","timestamp":"2025-01-02T03:04:05.678Z","properties":{"plan":"pro"},"uuid":"\#(uuid)"}"#,
                    #"{"event":"$identify","distinct_id":"u1","timestamp":"2025-01-02T03:04:06Z","$set":{"email":"a@b.c"}}"#,
                    "",
                    #"{"event":"movie played","distinct_id":"u2","timestamp":"2025-01-02T03:04:07+01:00","properties":{"n":1}}"#,
                ]
                let file = try directory.write("events.ndjson", lines.joined(separator: "\n") + "\n")
                let result = try await HogportProcess.run(
                    ["send", "--host", url, "--historical", file], environment: HogportProcess.environment(["POSTHOG_API_KEY": TestKeys.project]))
                #expect(result.status == 0, "stderr: \(result.stderr)")
                #expect(result.stdout.contains("queued 3 events"), "\(result.stdout)")
                let stored = try SinkStore(path: db).allEvents()
                #expect(stored.map(\.event) == ["signed up", "$identify", "movie played"])
                #expect(stored.first?.uuid == uuid)
                #expect(stored.first?.properties["plan"] == "pro")
                #expect(stored.first?.timestamp.iso8601 == "2025-01-02T03:04:05.678Z")
                #expect(stored[1].properties["$set"] == ["email": "a@b.c"])
                #expect(stored[2].timestamp.iso8601 == "2025-01-02T02:04:07.000Z")
                let allHistorical = stored.allSatisfy { $0.historical }
                #expect(allHistorical)
            }
        }
    }

    @Test("send reads a gzipped file too")
    func sendGzip() async throws {
        try await withSinkProcess { url, db, _ throws in
            try await withTemporaryDirectory { directory async throws in
                let text = (0..<50).map { #"{"event":"e","distinct_id":"u\#($0)","timestamp":"2025-01-02T03:04:05Z"}"# }.joined(separator: "\n")
                let file = try directory.write("events.ndjson.gz", try Gzip.compress(Array(text.utf8)))
                let result = try await HogportProcess.run(
                    ["send", "--host", url, file], environment: HogportProcess.environment(["POSTHOG_API_KEY": TestKeys.project]))
                #expect(result.status == 0, "stderr: \(result.stderr)")
                #expect(try SinkStore(path: db).counts().events == 50)
            }
        }
    }

    @Test("send exits 1 with a clear stderr line naming file and line when a line is malformed")
    func sendMalformed() async throws {
        try await withSinkProcess { url, db, _ throws in
            try await withTemporaryDirectory { directory async throws in
                let lines = [
                    #"{"event":"ok","distinct_id":"u1"}"#, #"{"event":"broken","distinct_id":"#, #"{"distinct_id":"u3"}"#,
                    #"{"event":"also ok","distinct_id":"u4"}"#,
                ]
                let file = try directory.write("bad.ndjson", lines.joined(separator: "\n"))
                let result = try await HogportProcess.run(
                    ["send", "--host", url, file], environment: HogportProcess.environment(["POSTHOG_API_KEY": TestKeys.project]))
                #expect(result.status == 1, "stderr: \(result.stderr)")
                #expect(result.stderr.contains("bad.ndjson:2:"), "\(result.stderr)")
                #expect(result.stderr.contains("bad.ndjson:3:"), "\(result.stderr)")
                #expect(result.stderr.contains("missing event"), "\(result.stderr)")
                #expect(try SinkStore(path: db).allEvents().map(\.event) == ["ok", "also ok"], "good lines still go")
            }
        }
    }

    @Test("send with a key the server refuses fails with the reason on stderr")
    func sendWrongKey() async throws {
        try await withSinkProcess { url, db, _ throws in
            try await withTemporaryDirectory { directory async throws in
                let file = try directory.write("one.ndjson", #"{"event":"e","distinct_id":"u"}"#)
                let result = try await HogportProcess.run(
                    ["send", "--host", url, file], environment: HogportProcess.environment(["POSTHOG_API_KEY": "phc_wrong"]))
                #expect(result.status != 0)
                #expect(result.stderr.contains("API key"), "\(result.stderr)")
                #expect(try SinkStore(path: db).allEvents().isEmpty)
            }
        }
    }

    @Test("A missing API key is a usage error that names POSTHOG_API_KEY")
    func missingKey() async throws {
        try await withTemporaryDirectory { directory async throws in
            let file = try directory.write("one.ndjson", #"{"event":"e","distinct_id":"u"}"#)
            let result = try await HogportProcess.run(["send", "--host", "http://127.0.0.1:9", file])
            #expect(result.status == 2, "usage errors exit 2; stderr: \(result.stderr)")
            #expect(result.stderr.contains("POSTHOG_API_KEY"), "\(result.stderr)")
        }
    }

    @Test("Bad options are usage errors")
    func badOptions() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let rate = try await HogportProcess.run(["sink", "--db", directory.file("x.db"), "--fail-rate", "2"])
        #expect(rate.status == 2)
        #expect(rate.stderr.contains("--fail-rate"))
        let codes = try await HogportProcess.run(["sink", "--db", directory.file("x.db"), "--fail-codes", "abc"])
        #expect(codes.status == 2)
        let host = try await HogportProcess.run(
            ["send", "--host", "ftp://x", "/nonexistent"], environment: HogportProcess.environment(["POSTHOG_API_KEY": "k"]))
        #expect(host.status == 2)
        #expect(host.stderr.contains("--host"))
        let unknown = try await HogportProcess.run(["frobnicate"])
        #expect(unknown.status != 0)
    }

    @Test("--help for hogport and its subcommands exits 0 and documents the options")
    func help() async throws {
        let root = try await HogportProcess.run(["--help"])
        #expect(root.status == 0)
        for word in ["sink", "send", "POSTHOG_API_KEY"] { #expect(root.stdout.contains(word), "\(word) in: \(root.stdout)") }
        let sink = try await HogportProcess.run(["sink", "--help"])
        #expect(sink.status == 0)
        for option in ["--db", "--api-key", "--port", "--host", "--fail-rate", "--fail-codes", "--retry-after", "--drop-rate", "--latency-ms", "--report"] {
            #expect(sink.stdout.contains(option), "\(option) in sink --help")
        }
        let send = try await HogportProcess.run(["send", "--help"])
        #expect(send.status == 0)
        for option in ["--host", "--api-key", "--historical"] { #expect(send.stdout.contains(option), "\(option) in send --help") }
        let version = try await HogportProcess.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.contains(HogportInfo.version))
    }

    @Test("sink --report prints what the database holds")
    func report() async throws {
        try await withTemporaryDirectory { directory async throws in
            let db = directory.file("report.db")
            let server = try await SinkServer.start(SinkConfiguration(databasePath: db, apiKey: TestKeys.project))
            let events = [RawEvents.event("watched", timestamp: "2025-01-01T00:00:00Z"), RawEvents.event("watched"), RawEvents.event("paused")]
            #expect(try await server.post("/batch/", json: RawEvents.batch(events, historical: true)).status == 200)
            try await server.stop()
            let result = try await HogportProcess.run(["sink", "--db", db, "--report"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("events stored:   3 (3 distinct uuids, 3 marked historical)"), "\(result.stdout)")
            #expect(result.stdout.contains("2 watched") || result.stdout.contains("2        watched"), "\(result.stdout)")
            #expect(result.stdout.contains("paused"))
            let missing = try await HogportProcess.run(["sink", "--db", directory.file("none.db"), "--report"])
            #expect(missing.status == 2, "\(missing.stderr)")
        }
    }
}
