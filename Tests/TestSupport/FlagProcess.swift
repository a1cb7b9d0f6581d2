public import Foundation
import Synchronization

/// A `hogport` child process for the flag command tests, its output going to files in a
/// directory of its own (so nothing blocks on a full pipe).
public final class FlagCLIProcess: Sendable {
    /// The built executable: next to the test bundle, else `<repo>/.build/debug/hogport`.
    public static let executable: URL = {
        let besideTests = Bundle.main.bundleURL.appendingPathComponent("hogport")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.appendingPathComponent(".build/debug/hogport")
    }()

    /// This process's environment without any POSTHOG_* variable, plus `extra`.
    public static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("POSTHOG_") }
        environment.merge(extra) { $1 }
        return environment
    }

    private let process: Mutex<Process>
    private let status = ExitStatusBox()
    private let directory: TemporaryDirectory
    public let arguments: [String]

    /// Starts `hogport arguments…`; `stdin` is a file to read standard input from (else /dev/null).
    public init(
        _ arguments: [String], environment: [String: String] = FlagCLIProcess.environment(), stdin: String? = nil, currentDirectory: String? = nil
    ) throws {
        self.arguments = arguments
        directory = try TemporaryDirectory(prefix: "hogport-cli-out")
        let out = try directory.write("stdout", "")
        let err = try directory.write("stderr", "")
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.environment = environment
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        if let stdin {
            guard let handle = FileHandle(forReadingAtPath: stdin) else { throw FlagTestError("cannot open \(stdin)") }
            process.standardInput = handle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        guard let outHandle = FileHandle(forWritingAtPath: out), let errHandle = FileHandle(forWritingAtPath: err) else {
            throw FlagTestError("cannot open output files")
        }
        process.standardOutput = outHandle
        process.standardError = errHandle
        let box = status
        process.terminationHandler = { finished in
            box.set(finished.terminationStatus)
        }
        try process.run()
        try? outHandle.close()
        try? errHandle.close()
        self.process = Mutex(process)
    }

    deinit {
        stop()
        directory.remove()
    }

    public var stdout: String { String(decoding: FileManager.default.contents(atPath: directory.file("stdout")) ?? Data(), as: UTF8.self) }
    public var stderr: String { String(decoding: FileManager.default.contents(atPath: directory.file("stderr")) ?? Data(), as: UTF8.self) }
    public var exitStatus: Int32? { status.value }

    /// The first line of standard output once complete (nil if the process ends first or at the deadline).
    public func firstLine(timeout: Duration = .seconds(30)) async -> String? {
        var line: String?
        _ = await eventually(timeout: timeout) {
            let text = self.stdout
            if let newline = text.firstIndex(of: "\n") {
                line = String(text[..<newline])
                return true
            }
            return self.exitStatus != nil
        }
        return line
    }

    /// Waits for the process to end; its status, or nil at the deadline.
    public func waitForExit(timeout: Duration = .seconds(60)) async -> Int32? {
        guard await eventually(timeout: timeout, { self.exitStatus != nil }) else { return nil }
        return exitStatus
    }

    /// Sends `signal`.
    public func signal(_ signal: Int32) {
        let pid = process.withLock { $0.processIdentifier }
        if pid > 0 { kill(pid, signal) }
    }

    /// Kills the process (by its own pid) if it still runs.
    public func stop() {
        let (running, pid) = process.withLock { ($0.isRunning, $0.processIdentifier) }
        if running && exitStatus == nil && pid > 0 { kill(pid, SIGKILL) }
    }

    /// The result of a finished run.
    public struct Result: Sendable {
        public var status: Int32?
        public var stdout: String
        public var stderr: String
        /// stdout and stderr together (for "never printed" checks).
        public var output: String { stdout + stderr }
    }

    /// Runs `hogport arguments…` to completion.
    public static func run(
        _ arguments: [String], environment: [String: String] = FlagCLIProcess.environment(), stdin: String? = nil,
        currentDirectory: String? = nil, timeout: Duration = .seconds(120)
    ) async throws -> Result {
        let child = try FlagCLIProcess(arguments, environment: environment, stdin: stdin, currentDirectory: currentDirectory)
        let status = await child.waitForExit(timeout: timeout)
        child.stop()
        return Result(status: status, stdout: child.stdout, stderr: child.stderr)
    }
}

private final class ExitStatusBox: Sendable {
    private let storage = Mutex<Int32?>(nil)
    func set(_ value: Int32) { storage.withLock { $0 = value } }
    var value: Int32? { storage.withLock { $0 } }
}
