import Logging
import PostHogKit
import PostHogCore
import Synchronization

/// One run of the import's stages, owned by one coordinating task:
///
///     source (RowSource) -> map (ChunkMapper, in parallel) -> in order (PresetRowMapper)
///       -> batch (DayBatcher) -> send (UploadGate, BatchSender) -> commit (CommitLedger, ImportCommitter)
///
/// Mapping and uploads run as child tasks; their results come back to the coordinator, which
/// alone touches the stages' state. Every queue between stages is bounded: chunks being mapped,
/// closed batches waiting for a slot, and rows not yet committed.
final class ImportRun {
    enum Work: Sendable {
        case mapped(MappedChunk)
        case uploaded(UploadOutcome)
        /// The grace period after a stop request ran out.
        case graceOver
        /// A stop was requested (wakes the coordinator while it waits).
        case stopAsked
    }

    let configuration: ImportConfiguration
    let job: ImportJob
    let logger: Logger
    let sender: BatchSender?
    let sleep: @Sendable (Duration) async throws -> Void
    let live: LiveProgress
    let stopRequested: @Sendable () -> Bool
    let started = ContinuousClock.now

    var source: RowSource
    let mapper: ChunkMapper
    var presetMapper: PresetRowMapper?
    /// The file the preset mapper was last started on (a reshaper may depend on the file's name).
    var presetFileIndex = -1
    var ledger = CommitLedger()
    var batcher: DayBatcher
    var gate: UploadGate
    let committer: ImportCommitter
    var summary = ImportSummary()

    /// Mapped chunks that arrived ahead of their turn, by chunk number.
    var arrived: [Int: MappedChunk] = [:]
    var nextChunk = 0
    var chunksMapping = 0
    var sourceDone = false
    /// Closed batches waiting for an upload slot, oldest first.
    var ready: [UploadBatch] = []
    var stopping = false
    var rejectedThisRun = 0
    var previewLeft: Int
    var lastTimestamp: Int64 = .min
    var warnedSmallBatches = false

    /// Rows registered but not committed before the oldest open batch is closed, so a crash
    /// repeats little and the ledger stays small. Room for every open day to fill its batch when
    /// the days interleave evenly, plus a margin for batches in flight.
    let maxPendingRows: Int
    let maxReadyBatches = 2
    let chunkRows = 1024
    let chunkBytes = 1 << 20

    init(
        job: ImportJob, sender: BatchSender?, live: LiveProgress, logger: Logger,
        sleep: @escaping @Sendable (Duration) async throws -> Void, stopRequested: @escaping @Sendable () -> Bool
    ) {
        let config = job.configuration
        configuration = config
        self.job = job
        self.sender = sender
        self.live = live
        self.logger = logger
        self.sleep = sleep
        self.stopRequested = stopRequested
        source = RowSource(files: job.files, sizes: job.identities.map(\.size), recorded: job.recorded, configuration: config, logger: logger)
        let latest = Timestamp(microseconds: Timestamp.now().microseconds + Int64(config.maxFuture.seconds * 1_000_000))
        mapper = ChunkMapper(configuration: config, messageGuard: MessageGuard(latestTimestamp: latest, allowPlaceholderIds: config.allowPlaceholderIds))
        if config.reshaper != nil {
            presetMapper = PresetRowMapper(mapping: config.mapping, reshaper: config.reshaper, linkDevices: config.linkDevices, knownLinks: job.knownLinks)
        }
        let overhead = BatchBody.overhead(apiKeyLength: config.apiKey.utf8.count)
        batcher = DayBatcher(maxEvents: config.batchSize, maxBytes: config.maxBatchBytes - overhead, maxOpenDays: config.maxOpenDays)
        gate = UploadGate(maxConcurrency: config.concurrency, rate: config.rate, now: 0)
        maxPendingRows = max(40_000, config.maxOpenDays * config.batchSize + 8_192)
        let rejects = config.dryRun ? nil : RejectsWriter(path: config.rejectsPath)
        committer = ImportCommitter(store: job.store, rejects: rejects, identities: job.identities, recorded: job.recorded)
        previewLeft = config.dryRun ? 10 : 0
        summary.dryRun = config.dryRun
        summary.checkpointPath = config.checkpointPath
        summary.rejectsPath = config.dryRun ? "" : config.rejectsPath
        summary.host = config.isLocalSink ? "the local sink" : config.host
        summary.localSink = config.isLocalSink
    }

    /// Seconds since the run started.
    func now() -> Double { (ContinuousClock.now - started).seconds }

    /// Runs every stage to the end, a fatal error, or a stop request.
    func run() async throws(ImportError) -> ImportSummary {
        do throws(ImportError) {
            try committer.rejects?.prepare()
        } catch {
            return try finish(error)
        }
        live.withLock {
            $0.bytesTotal = job.identities.reduce(0) { $0 + $1.size }
            $0.filesTotal = job.files.count
            $0.host = summary.host
        }
        var failure: ImportError?
        do {
            try await withThrowingTaskGroup(of: Work.self) { group in
                defer { group.cancelAll() }
                watchForStop(&group)
                try await loop(&group)
            }
        } catch let error as ImportError {
            failure = error
        } catch {
            failure = ImportError(.serverFailing, "\(error)")
        }
        return try finish(failure)
    }

    private func loop(_ group: inout ThrowingTaskGroup<Work, any Error>) async throws {
        while true {
            try checkStop(&group)
            startUploads(&group)
            if canRead {
                try read(into: &group)
                continue
            }
            if isFinished { return }
            guard let work = try await group.next() else { return }
            try handle(work, &group)
        }
    }

    /// Whether the source may hand out another chunk: every queue after it has room. Two closed
    /// batches waiting are enough to start the next upload the moment a slot frees; more would
    /// only hold memory.
    private var canRead: Bool {
        !sourceDone && !stopping && chunksMapping < 2 * configuration.resolvedWorkers
            && ready.count < maxReadyBatches && ledger.pendingRows < maxPendingRows + 4 * chunkRows
    }

    private var isFinished: Bool {
        if stopping { return gate.inFlight == 0 && chunksMapping == 0 }
        return sourceDone && chunksMapping == 0 && arrived.isEmpty && batcher.isEmpty && ready.isEmpty && gate.inFlight == 0
    }

    private func read(into group: inout ThrowingTaskGroup<Work, any Error>) throws {
        guard let chunk = try source.next(maxRows: chunkRows, maxBytes: chunkBytes) else {
            sourceDone = true
            if chunksMapping == 0 { flushBatches() }
            return
        }
        chunksMapping += 1
        let mapper = self.mapper
        group.addTask { .mapped(mapper.map(chunk)) }
        let (rows, bytes) = (source.rowsRead, source.bytesRead)
        live.withLock {
            $0.rowsRead = rows
            $0.bytesRead = bytes
            $0.currentFile = source.displayName(chunk.fileIndex)
        }
    }

    private func handle(_ work: Work, _ group: inout ThrowingTaskGroup<Work, any Error>) throws {
        switch work {
        case .mapped(let mapped):
            chunksMapping -= 1
            guard !stopping else { return }
            arrived[mapped.chunk.number] = mapped
            while let next = arrived.removeValue(forKey: nextChunk) {
                try consume(next)
                nextChunk += 1
            }
            if sourceDone && chunksMapping == 0 && arrived.isEmpty { flushBatches() }
        case .uploaded(let outcome):
            try settle(outcome)
        case .graceOver:
            group.cancelAll()
        case .stopAsked:
            break
        }
    }

    /// Closes every open batch: the input is read.
    func flushBatches() {
        ready.append(contentsOf: batcher.closeAll())
    }

    /// A stop request (a signal) or cancellation: read no more, start no upload, let the uploads
    /// in flight finish for a short grace period, then cancel them. Rows not acknowledged stay
    /// uncommitted, and the next run sends them.
    private func checkStop(_ group: inout ThrowingTaskGroup<Work, any Error>) throws {
        guard !stopping else { return }
        let cancelled = Task.isCancelled
        guard cancelled || stopRequested() else { return }
        stopping = true
        ready.removeAll()
        if cancelled {
            group.cancelAll()
            return
        }
        logger.notice("stopping: no more rows are read; waiting up to 2 s for the \(gate.inFlight) requests in flight")
        group.addTask {
            try? await Task.sleep(for: .milliseconds(1500))
            return .graceOver
        }
    }

    /// A child task that returns when a stop is requested, so a coordinator waiting on a slow or
    /// retrying upload notices at once (ended by the group's cancellation at the end of the run).
    private func watchForStop(_ group: inout ThrowingTaskGroup<Work, any Error>) {
        let stopRequested = self.stopRequested
        group.addTask {
            while !stopRequested() && !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
            }
            return .stopAsked
        }
    }

    /// Ends the run: status in the checkpoint, the summary, and the error to report.
    private func finish(_ failure: ImportError?) throws(ImportError) -> ImportSummary {
        var failure = failure
        if failure == nil && stopping {
            failure = ImportError(.interrupted, "stopped on request; rows in flight were not committed and will be sent by the next run")
        }
        if failure == nil && !source.damaged.isEmpty {
            failure = ImportError(
                .unreadableInput, "damaged compressed input, nothing of it sent: " + source.damaged.map(\.description).joined(separator: "; "))
        }
        summary.seconds = now()
        summary.retries = max(summary.retries, live.snapshot.retries)
        summary.resumedRows = source.resumedRows
        summary.filesSkippedAsDone = source.filesSkippedAsDone
        summary.damagedFiles = source.damaged.map(\.description)
        if summary.counts.rows == 0 && summary.resumedRows == 0 && failure == nil {
            let what = job.files.isEmpty ? "no input files (an empty directory?)" : "\(job.files.count) input file(s) with no rows"
            logger.warning("nothing to import: \(what)")
            summary.noInput = what
        }
        try? committer.rejects?.flush()
        committer.rejects?.removeIfUnused()
        job.close(with: failure)
        if var failure {
            summary.stopReason = failure.message
            if failure.kind == .tooManyRejects { return summary }
            failure.summary = summary
            throw failure
        }
        return summary
    }
}
