import Foundation
public import Logging
public import PostHogCore
public import PostHogKit
import Synchronization

/// One run of `hogport export`: pages through events after the checkpoint's cursor, writes one
/// file per UTC day, and commits the cursor only once a file is durably published.
///
/// Files and the cursor:
///
/// - Rows stream into a temporary file for their UTC day. When a row of a later day arrives,
///   the day's file is published (synced, renamed) and then the checkpoint commits the file and
///   the cursor (its last row) in one transaction.
/// - When the run reaches its end (`--until`, or no more rows), the open day's file is published
///   too: `complete` in the manifest says whether the day had ended. The next run continues that
///   day in a new part (`events-DAY.part-2.…`).
/// - A kill between the rename and the commit leaves a file the checkpoint does not know; the
///   next run writes the same rows under the same name (the part number comes from the
///   checkpoint) and replaces it. A kill at any other point loses only a temporary file.
///
/// `--lookback` first re-reads the window before the cursor and writes the rows whose uuids the
/// checkpoint does not remember into new parts of their days; see docs/export.md.
public final class ExportPipeline: Sendable {
    public let configuration: ExportConfiguration
    let client: QueryClient
    let logger: Logger
    let wallClock: @Sendable () -> Timestamp
    private let stopRequested = Atomic<Bool>(false)
    private let live = Mutex(ExportProgress())

    public init(
        configuration: ExportConfiguration, transport: any HTTPTransport,
        sleep: @escaping QueryClient.Sleep = { try await Task.sleep(for: $0) },
        clock: @escaping @Sendable () -> Double = QueryClient.monotonicSeconds,
        wallClock: @escaping @Sendable () -> Timestamp = { .now() },
        logger: Logger = Logger(label: "hogport.export", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.configuration = configuration
        client = QueryClient(configuration: configuration, transport: transport, sleep: sleep, now: clock)
        self.wallClock = wallClock
        self.logger = logger
    }

    /// Asks the run to stop after the current page; what it has is published and committed.
    public func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    var isStopping: Bool { stopRequested.load(ordering: .relaxed) }

    public var progress: ExportProgress {
        var p = live.withLock { $0 }
        p.requests = client.requestCount
        p.retries = client.retryCount
        return p
    }

    public func run() async throws(ExportError) -> ExportSummary {
        let started = ContinuousClock.now
        let c = configuration
        guard (1...ExportQuery.maximumLimit).contains(c.pageSize) else {
            throw ExportError(.usage, "--page-size must be between 1 and \(ExportQuery.maximumLimit)")
        }
        do {
            try FileManager.default.createDirectory(atPath: c.outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw ExportError(.outputUnwritable, "cannot create the output directory \(c.outputDirectory): \(error.localizedDescription)")
        }
        // One run per checkpoint: a second one would share temporary names and delete the
        // first one's temporary files. The lock goes when the process does (even on kill -9).
        let lock = try Self.lock(c.lockPath)
        defer { close(lock) }
        Self.removeTemporaryFiles(in: c.outputDirectory)
        if let refusal = CheckpointKind.refusal(path: c.checkpointPath, for: .export) { throw ExportError(.usage, refusal) }
        let until = c.until ?? Timestamp(microseconds: wallClock().microseconds - c.settleMicros)
        for (name, time) in [("--since", c.since), ("--until", until)] {
            guard let time, !Self.queryableRange.contains(time) else { continue }
            throw ExportError(.usage, "\(name) \(time.iso8601) is outside the years 1900 to 2299 that PostHog's timestamps (ClickHouse DateTime64) can hold")
        }
        let checkpoint = try ExportCheckpoint(path: c.checkpointPath)
        var job = c.restart ? nil : try checkpoint.job()
        if let existing = job {
            if let since = c.since, since != existing.since {
                throw ExportError(
                    .usage,
                    "the checkpoint \(c.checkpointPath) continues an export since \(existing.since.iso8601), not \(since.iso8601): drop --since, or use --restart or another --checkpoint"
                )
            }
            guard existing.fingerprint == c.fingerprint(since: existing.since) else {
                throw ExportError(
                    .usage,
                    "the checkpoint \(c.checkpointPath) belongs to another export (project, --format, --gzip or --events differ): use the same options, --restart, or another --checkpoint"
                )
            }
        } else {
            guard let since = c.since else {
                throw ExportError(.usage, "--since is required for a new export (the checkpoint \(c.checkpointPath) has no cursor)")
            }
            let earlierFiles = c.restart ? try checkpoint.files() : []
            try checkpoint.reset(fingerprint: c.fingerprint(since: since), since: since)
            job = try checkpoint.job()
            removeReplacedFiles(earlierFiles, from: since, until: until)
        }
        guard let job else { throw ExportError(.outputUnwritable, "the checkpoint \(c.checkpointPath) lost its job row") }
        try ExportManifest.write(configuration: c, checkpoint: checkpoint)

        var summary = ExportSummary()
        summary.since = job.since
        summary.until = until
        summary.checkpointPath = c.checkpointPath
        summary.outputDirectory = c.outputDirectory
        var run = Run(pipeline: self, checkpoint: checkpoint, since: job.since, until: until, summary: summary)
        do {
            try checkpoint.setStatus("running", error: nil)
            if c.lookback > .zero, let cursor = job.cursor {
                let seenSince = try rememberLookbackWindow(job: job, cursor: cursor, checkpoint: checkpoint)
                try await run.lookback(cursor: cursor, seenSince: seenSince)
            }
            try await run.main(after: job.cursor)
            try checkpoint.setStatus("done", error: nil)
        } catch {
            try? checkpoint.setStatus(error.kind == .interrupted ? "interrupted" : "failed", error: error.message)
            try? ExportManifest.write(configuration: c, checkpoint: checkpoint)
            throw error
        }
        run.summary.cursor = try checkpoint.job()?.cursor
        run.summary.requests = client.requestCount
        run.summary.retries = client.retryCount
        run.summary.polls = client.pollCount
        let elapsed = ContinuousClock.now - started
        run.summary.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return run.summary
    }

    /// Takes the exclusive lock on `path` without waiting; a usage error (exit 2) when another
    /// run holds it. Returns the descriptor to close at the end of the run.
    static func lock(_ path: String) throws(ExportError) -> Int32 {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ExportError(.outputUnwritable, "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK {
                throw ExportError(
                    .usage, "another export is running on this checkpoint (\(path) is locked); wait for it to finish, or use another --checkpoint")
            }
            throw ExportError(.outputUnwritable, "cannot lock \(path): \(String(cString: strerror(code)))")
        }
        return fd
    }

    /// The instants a query can name: ClickHouse's DateTime64 holds 1900-01-01 to 2299-12-31.
    static let queryableRange = Timestamp(year: 1900, month: 1, day: 1)!..<Timestamp(year: 2300, month: 1, day: 1)!

    /// After `--restart`: the files the earlier export published for the days this run covers
    /// (from `since`'s day to `until`'s) are removed, so the directory holds no second copy of
    /// their rows; a day that starts before `since` is written again from `since`. Only a file
    /// whose bytes are still the ones recorded (SHA-1) is removed: never one hogport did not
    /// write, or one changed since. Files of other days stay, no longer in the manifest. (The
    /// checkpoint is reset first: a crash in between leaves files behind, never a checkpoint
    /// that lists missing files.)
    func removeReplacedFiles(_ files: [ExportCheckpoint.FileRecord], from since: Timestamp, until: Timestamp) {
        let lastDay = Timestamp(microseconds: max(since.microseconds, until.microseconds - 1)).utcDay
        var kept = 0
        for file in files {
            guard (since.utcDay...lastDay).contains(file.day) else {
                kept += 1
                continue
            }
            let path = (configuration.outputDirectory as NSString).appendingPathComponent(file.name)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let digest = SHA1.hex(SHA1.hash(data))
            guard digest == file.sha1 else {
                kept += 1
                logger.warning("--restart: \(file.name) is not the file the earlier export wrote (its checksum differs); left in place")
                continue
            }
            if (try? FileManager.default.removeItem(atPath: path)) != nil {
                logger.info("--restart: removed \(file.name) (its day is exported again)")
            }
        }
        if kept > 0 {
            logger.notice("--restart: \(kept) earlier file(s) stay in \(configuration.outputDirectory) but are no longer in manifest.json")
        }
    }

    /// Deletes temporary files an interrupted run left behind (their rows were never committed).
    static func removeTemporaryFiles(in directory: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where ExportFileName.isTemporary(name) {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
    }

    func update(_ body: (inout ExportProgress) -> Void) {
        live.withLock { body(&$0) }
    }
}
