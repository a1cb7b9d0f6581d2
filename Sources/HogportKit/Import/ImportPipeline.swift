public import Logging
public import PostHogKit
import Foundation
import Synchronization

/// The import: read -> map -> batch -> send, with checkpoints.
///
/// One coordinating task reads and maps rows (the CPU-heavy part), fills day-sized batches and
/// keeps a bounded number of uploads in flight (the back-pressure and the memory ceiling); each
/// upload gzips and posts through ``BatchSender``. Only the coordinator touches the checkpoint
/// database, and it commits a row's position only when its batch and every earlier one is
/// acknowledged (or the row is in the rejects file). Killed at any point, the same command
/// resumes: nothing lost, and re-sent rows carry the same uuids.
public final class ImportPipeline: Sendable {
    public let configuration: ImportConfiguration
    let transport: (any HTTPTransport)?
    let logger: Logger
    let sleep: @Sendable (Duration) async throws -> Void
    private let live = Mutex(ImportProgress())
    private let stopRequested = Mutex(false)

    /// Asks a running import to stop gracefully: it stops reading, waits for the batches in
    /// flight, commits them, and ends with ``ImportError/Kind/interrupted``.
    public func requestStop() {
        stopRequested.withLock { $0 = true }
    }

    /// - Parameters:
    ///   - transport: where batches go; nil only for dry runs.
    ///   - sleep: waits for the rate limiter and retries (tests pass one that does not sleep).
    public init(
        configuration: ImportConfiguration,
        transport: (any HTTPTransport)?,
        logger: Logger = Logger(label: "hogport.import", factory: { _ in SwiftLogNoOpLogHandler() }),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.sleep = sleep
    }

    /// The progress so far (safe to call from another task while ``run()`` works).
    public var progress: ImportProgress { live.withLock { $0 } }

    struct BatchOutcome: Sendable {
        var id: Int
        var report: DeliveryReport?
        var error: PostHogError?
        var seconds: Double
        var batch: EventBatcher.Batch
        var rows: [RowRef]
    }

    /// Where each event of a batch came from, for reject lines.
    struct RowRef: Sendable {
        var line: Int
        var offset: Int64
        /// Whether this event is its source row's last (a row can become several messages).
        var endsRow = true
    }

    /// Runs the import to the end (or to the first fatal error).
    public func run() async throws(ImportError) -> ImportSummary {
        let config = configuration
        let started = ContinuousClock.now
        var summary = ImportSummary()
        summary.dryRun = config.dryRun
        summary.checkpointPath = config.checkpointPath
        summary.rejectsPath = config.rejectsPath
        let files = config.assignedInputs

        // Checkpoint.
        var store: CheckpointStore?
        var progressByFile: [Int: FileProgress] = [:]
        if !config.dryRun {
            if let refusal = CheckpointKind.refusal(path: config.checkpointPath, for: .import) { throw ImportError(.usage, refusal) }
            do {
                let opened = try CheckpointStore(path: config.checkpointPath)
                let existing = try opened.fingerprint()
                if config.restart || existing == nil {
                    try opened.reset(fingerprint: config.fingerprint)
                } else if existing != config.fingerprint {
                    throw ImportError(
                        .usage,
                        "the checkpoint \(config.checkpointPath) belongs to a job with a different mapping, preset or format; use --restart to start over with the new one, or --checkpoint for a new job")
                }
                try opened.setStatus("running", error: nil)
                store = opened
            } catch let error as ImportError {
                throw error
            } catch {
                throw ImportError(.usage, "cannot use the checkpoint \(config.checkpointPath): \(error)")
            }
        }
        let rejects = config.dryRun ? nil : RejectsWriter(path: config.rejectsPath)
        // Reshape (vendor presets), link devices, map and validate: one source row at a time.
        var knownLinks: Set<DeviceLink.Key> = []
        if let store, config.reshaper != nil, config.linkDevices {
            do {
                knownLinks = try store.linkedPairs()
            } catch {
                throw ImportError(.usage, "cannot read the device links in \(config.checkpointPath): \(error)")
            }
        }
        var mapper = PresetRowMapper(mapping: config.mapping, reshaper: config.reshaper, linkDevices: config.linkDevices, knownLinks: knownLinks)
        // Links of rows not committed yet; remembered in the checkpoint with their row.
        var pendingLinks: [(position: RowPosition, links: [DeviceLink])] = []

        // Identities, and what earlier runs already committed.
        var identities: [FileIdentity] = []
        var totalBytes: Int64 = 0
        for (index, path) in files.enumerated() {
            let identity: FileIdentity
            do {
                identity = try FileIdentity.of(path)
            } catch {
                throw ImportError(.unreadableInput, error.description)
            }
            identities.append(identity)
            totalBytes += identity.size
            if let store, let recorded = try? store.progress(for: path), path != "-" {
                switch identity.compared(to: recorded.identity) {
                case .replaced:
                    let error = ImportError(
                        .usage,
                        "\(path) changed since the checkpoint recorded it (different content); use --restart to import everything again, or a new --checkpoint")
                    try? store.setStatus("failed", error: error.message)
                    throw error
                case .grown:
                    var p = recorded
                    p.identity = identity
                    p.done = false
                    progressByFile[index] = p
                case .same:
                    progressByFile[index] = recorded
                }
            }
        }
        live.withLock {
            $0.bytesTotal = totalBytes
            $0.filesTotal = files.count
        }

        var ledger = CommitLedger()
        var batcher = EventBatcher(maxEvents: config.batchSize, maxBytes: config.maxBatchBytes - BatchBody.overhead(apiKeyLength: config.apiKey.utf8.count))
        var concurrency = AdaptiveConcurrency(maximum: config.concurrency, initial: min(config.concurrency, 2))
        let clock = ContinuousClock()
        func now() -> Double {
            let d = clock.now - started
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        var bucket = TokenBucket(rate: config.rate, now: now())
        var sender: BatchSender?
        if let transport, !config.dryRun {
            sender = BatchSender(
                apiKey: config.apiKey, host: config.host, transport: transport, gzip: config.gzip,
                historicalMigration: config.historicalMigration, requestTimeout: config.requestTimeout, retryPolicy: config.retryPolicy,
                logger: logger, sleep: sleep)
        }
        var fatal: ImportError?
        var lastTimestamp: Int64 = .min
        var rowsThisRun = 0
        var rejectedThisRun = 0
        var previewLeft = config.dryRun ? 10 : 0
        // The default mapping lets PostHog-shaped NDJSON captures take the byte-level fast path.
        let passthrough = config.reshaper == nil && config.mapping == ImportMapping()

        func commit(_ release: CommitLedger.Release) throws(ImportError) {
            guard !release.positions.isEmpty || !release.deltas.isEmpty || !release.finishedFiles.isEmpty else { return }
            var changed: [FileProgress] = []
            var touched = Set(release.positions.keys).union(release.deltas.keys).union(release.finishedFiles)
            for file in touched.sorted() {
                var p = progressByFile[file] ?? FileProgress(identity: identities[file])
                if let position = release.positions[file] {
                    p.line = position.line
                    p.offset = position.endOffset
                }
                if let delta = release.deltas[file] { p.counts.add(delta) }
                if release.finishedFiles.contains(file) { p.done = true }
                progressByFile[file] = p
                changed.append(p)
            }
            touched.removeAll()
            guard let store else { return }
            do {
                try rejects?.flush()
                try store.save(changed)
                if !pendingLinks.isEmpty {
                    func isCommitted(_ pending: (position: RowPosition, links: [DeviceLink])) -> Bool {
                        release.positions[pending.position.fileIndex].map { pending.position.endOffset <= $0.endOffset } ?? false
                    }
                    let committed = pendingLinks.filter(isCommitted)
                    if !committed.isEmpty {
                        try store.rememberLinks(committed.flatMap(\.links))
                        pendingLinks.removeAll(where: isCommitted)
                    }
                }
            } catch {
                throw ImportError(.unreadableInput, "cannot save the checkpoint \(config.checkpointPath): \(error)")
            }
        }

        // Rows settled (rejected or skipped) while a batch is open belong after that batch's
        // earlier rows: they ride along with it and are committed only when it is acknowledged.
        var carry: (position: RowPosition, delta: CommitLedger.Delta)?

        func settle(_ position: RowPosition, _ delta: CommitLedger.Delta) throws(ImportError) {
            if batcher.isEmpty {
                try commit(ledger.addSettled(at: position, delta: delta))
            } else {
                var combined = carry?.delta ?? CommitLedger.Delta()
                combined.add(delta)
                carry = (position, combined)
            }
        }

        func reject(at position: RowPosition, name: String, line: Int, offset: Int64?, reason: String, raw: some Collection<UInt8>) throws(ImportError) {
            summary.counts.rejected += 1
            rejectedThisRun += 1
            live.withLock { $0.rejected += 1 }
            do {
                try rejects?.write(file: name, line: line, offset: offset, reason: reason, raw: raw)
            } catch {
                throw ImportError(.unreadableInput, "cannot write the rejects file \(config.rejectsPath): \(error)")
            }
            if config.dryRun && rejectedThisRun <= 5 {
                logger.warning("\(name):\(line): rejected: \(reason)")
            }
            var delta = CommitLedger.Delta()
            delta.rows = 1
            delta.rejected = 1
            try settle(position, delta)
            if config.strict {
                throw ImportError(.tooManyRejects, "\(name):\(line): \(reason) (--strict stops at the first rejected row)")
            }
            if let max = config.maxRejects, rejectedThisRun > max {
                throw ImportError(.tooManyRejects, "more than \(max) rows rejected (--max-rejects); the last: \(name):\(line): \(reason)")
            }
        }

        do {
            try await withThrowingTaskGroup(of: BatchOutcome.self) { group in
                var inFlight = 0

                /// A `--link-devices` alias the server refused is neither remembered in the
                /// checkpoint nor by the mapper, so a later row with the pair sends it again.
                func forgetRefusedLink(uuid: String) {
                    for index in pendingLinks.indices {
                        guard let link = pendingLinks[index].links.first(where: { DeviceLinker.aliasUUID(for: $0) == uuid }) else { continue }
                        pendingLinks[index].links.removeAll { $0.key == link.key }
                        mapper.forgetLinks([link])
                        return
                    }
                }

                func handle(_ outcome: BatchOutcome) throws {
                    inFlight -= 1
                    let backPressure = (outcome.report?.retries ?? 0) > 0 || outcome.error != nil
                    concurrency.finished(rtt: outcome.seconds, backPressure: backPressure, now: now())
                    if let error = outcome.error {
                        switch error.kind {
                        case .authentication:
                            throw ImportError(.authentication, "\(error)")
                        case .cancelled:
                            throw ImportError(.interrupted, "interrupted")
                        case .unexpectedStatus:
                            throw ImportError(.serverFailing, "\(error)")
                        default:
                            throw ImportError(.serverFailing, "\(error)")
                        }
                    }
                    guard let report = outcome.report else { return }
                    summary.requests += report.requests
                    summary.retries += report.retries
                    var delta = CommitLedger.Delta()
                    delta.sent = report.delivered
                    var kinds = outcome.batch.kinds
                    for rejected in report.rejected {
                        let ref = outcome.rows[Int(rejected.event.tag)]
                        let name = files[outcome.batch.end?.fileIndex ?? 0]
                        do {
                            try rejects?.write(file: name == "-" ? "stdin" : name, line: ref.line, offset: ref.offset, reason: rejected.reason, raw: rejected.event.bytes)
                        } catch {
                            throw ImportError(.unreadableInput, "cannot write the rejects file \(config.rejectsPath): \(error)")
                        }
                        delta.rejected += 1
                        rejectedThisRun += 1
                        forgetRefusedLink(uuid: rejected.event.uuid)
                        // Attribute the rejection to a kind for the counts: take it from the first
                        // kind with events left (exact per-event kinds are not kept per batch).
                        if let kind = kinds.first(where: { $0.value > 0 })?.key { kinds[kind]! -= 1 }
                    }
                    delta.kinds = kinds.filter { $0.value > 0 }
                    summary.counts.sent += report.delivered
                    summary.counts.rejected += report.rejected.count
                    for (k, n) in delta.kinds { summary.counts.kinds[k, default: 0] += n }
                    live.withLock {
                        $0.eventsSent += report.delivered
                        $0.rejected += report.rejected.count
                        $0.retries += report.retries
                        $0.inFlight = inFlight
                        $0.concurrencyLimit = concurrency.limit
                    }
                    try commit(ledger.complete(outcome.id, delta: delta))
                    if let first = report.rejected.first {
                        if config.strict {
                            throw ImportError(.tooManyRejects, "the server refused an event: \(first.reason) (--strict stops at the first rejected row)")
                        }
                        if let max = config.maxRejects, rejectedThisRun > max {
                            throw ImportError(.tooManyRejects, "more than \(max) rows rejected (--max-rejects); the last: \(first.reason)")
                        }
                    }
                }

                func dispatch(_ batch: EventBatcher.Batch, rows: [RowRef]) async throws {
                    guard var end = batch.end else { return }
                    var delta = CommitLedger.Delta()
                    delta.rows = rows.reduce(0) { $0 + ($1.endsRow ? 1 : 0) }
                    if let carried = carry {
                        delta.add(carried.delta)
                        if carried.position.endOffset > end.endOffset { end = carried.position }
                        carry = nil
                    }
                    let id = ledger.addBatch(endingAt: end, delta: delta)
                    guard let sender else {
                        // Dry run: nothing is sent; count as if delivered.
                        summary.counts.sent += batch.events.count
                        for (k, n) in batch.kinds { summary.counts.kinds[k, default: 0] += n }
                        _ = ledger.complete(id, delta: CommitLedger.Delta())
                        return
                    }
                    // Rate: wait for tokens. Concurrency: wait for a slot.
                    let wait = bucket.take(Double(batch.events.count), now: now())
                    if wait > 0 { try await sleep(.milliseconds(Int64(wait * 1000))) }
                    while inFlight >= concurrency.limit {
                        guard let outcome = try await group.next() else { break }
                        try handle(outcome)
                    }
                    inFlight += 1
                    concurrency.started()
                    live.withLock {
                        $0.inFlight = inFlight
                        $0.concurrencyLimit = concurrency.limit
                    }
                    group.addTask {
                        let start = ContinuousClock.now
                        do throws(PostHogError) {
                            let report = try await sender.deliver(batch.events)
                            let d = ContinuousClock.now - start
                            return BatchOutcome(id: id, report: report, error: nil, seconds: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18, batch: batch, rows: rows)
                        } catch {
                            return BatchOutcome(id: id, report: nil, error: error, seconds: 0, batch: batch, rows: rows)
                        }
                    }
                }

                var pendingRows: [RowRef] = []

                func accept(_ encoded: EncodedEvent, kind: MessageKind, timestamp ts: Timestamp, preview: JSONValue?, line: Int, offset: Int64, at position: RowPosition, endsRow: Bool = true) async throws {
                    if ts.microseconds < lastTimestamp { summary.outOfOrder += 1 }
                    lastTimestamp = ts.microseconds
                    if summary.earliest.map({ ts < $0 }) ?? true { summary.earliest = ts }
                    if summary.latest.map({ ts > $0 }) ?? true { summary.latest = ts }
                    if let preview, previewLeft > 0 {
                        previewLeft -= 1
                        summary.preview.append(preview)
                    }
                    pendingRows.append(RowRef(line: line, offset: offset, endsRow: endsRow))
                    for closed in batcher.add(encoded, kind: kind, day: ts.utcDay, at: position) {
                        let refs = Array(pendingRows.prefix(closed.events.count))
                        pendingRows.removeFirst(closed.events.count)
                        // Tags index the batch's own rows.
                        var batch = closed
                        for i in batch.events.indices { batch.events[i].tag = Int64(i) }
                        try await dispatch(batch, rows: refs)
                    }
                }
                fileLoop: for (fileIndex, path) in files.enumerated() {
                    let name = path == "-" ? "stdin" : path
                    let recorded = progressByFile[fileIndex]
                    if let recorded, recorded.done {
                        summary.filesSkippedAsDone += 1
                        summary.resumedRows += recorded.counts.rows
                        live.withLock {
                            $0.filesDone += 1
                            $0.bytesRead += identities[fileIndex].size
                        }
                        continue
                    }
                    var reader = try RowReader(path: path, format: config.format, mapping: config.mapping)
                    mapper.startFile(path)
                    reader.parsesNDJSON = !passthrough
                    if reader.isEmptyFile { logger.warning("\(name): the file is empty; nothing to import from it") }
                    if let recorded, recorded.offset > 0, path != "-" {
                        try reader.skip(toOffset: recorded.offset, line: recorded.line)
                        summary.resumedRows += recorded.counts.rows
                        logger.info("resuming \(name) at line \(recorded.line + 1)")
                    }
                    live.withLock { $0.currentFile = name }
                    let bytesBefore = live.withLock { $0.bytesRead }
                    var lastEnd = RowPosition(fileIndex: fileIndex, line: recorded?.line ?? 0, endOffset: recorded?.offset ?? 0)
                    var sinceUpdate = 0
                    while let row = try reader.next() {
                        if Task.isCancelled { throw ImportError(.interrupted, "interrupted") }
                        if stopRequested.withLock({ $0 }) {
                            // Rows read but not yet sent stay uncommitted; the next run sends them.
                            while let outcome = try await group.next() { try handle(outcome) }
                            throw ImportError(.interrupted, "stopped on request after the batches in flight")
                        }
                        if let limit = config.limit, rowsThisRun >= limit { break fileLoop }
                        rowsThisRun += 1
                        summary.counts.rows += 1
                        sinceUpdate += 1
                        if sinceUpdate >= 512 {
                            let raw = reader.rawOffset
                            live.withLock {
                                $0.rowsRead += sinceUpdate
                                $0.bytesRead = bytesBefore + raw
                            }
                            sinceUpdate = 0
                        }
                        let position = RowPosition(fileIndex: fileIndex, line: reader.resumePoint.line, endOffset: reader.resumePoint.offset)
                        lastEnd = position
                        // PostHog-shaped captures under the default mapping skip the value tree.
                        if case .unparsed(let bytes, let line, let offset, _) = row, previewLeft == 0 {
                            let tag = Int64(pendingRows.count)
                            if let fast = bytes.withUnsafeBufferPointer({ PassthroughCapture.encode($0, tag: tag) }) {
                                try await accept(fast.event, kind: .capture, timestamp: fast.timestamp, preview: nil, line: line, offset: offset, at: position)
                                continue
                            }
                        }
                        var row = row
                        if case .unparsed(let bytes, let line, let offset, let end) = row {
                            row = .parsed(bytes, line: line, offset: offset, endOffset: end)
                        }
                        switch row {
                        case .unparsed:
                            preconditionFailure("parsed above")
                        case .malformed(let reason, let line, let offset, _, let raw):
                            try reject(at: position, name: name, line: line, offset: offset, reason: reason, raw: raw)
                        case .object(let object, let line, let offset, _, let raw):
                            let output: PresetRowMapper.Output
                            do throws(MappingError) {
                                output = try mapper.map(object)
                            } catch {
                                try reject(at: position, name: name, line: line, offset: offset, reason: error.reason, raw: raw)
                                continue
                            }
                            // Encode every message first: a row is sent whole or rejected whole.
                            var messages: [(event: EncodedEvent, message: ImportMessage)] = []
                            var dropped = 0
                            var tooLarge: String?
                            for mapped in output.rows {
                                switch mapped {
                                case .skipped:
                                    dropped += 1
                                case .message(let message):
                                    do throws(PostHogError) {
                                        messages.append((try EncodedEvent(message.event, tag: Int64(pendingRows.count + messages.count)), message))
                                    } catch {
                                        tooLarge = error.message
                                    }
                                }
                            }
                            if let tooLarge {
                                mapper.forget(output)
                                try reject(at: position, name: name, line: line, offset: offset, reason: tooLarge, raw: raw)
                                continue
                            }
                            summary.counts.skipped += dropped
                            if dropped > 0 { live.withLock { $0.skipped += dropped } }
                            guard !messages.isEmpty else {
                                var delta = CommitLedger.Delta()
                                delta.rows = 1
                                delta.skipped = 1
                                try settle(position, delta)
                                continue
                            }
                            if !output.newLinks.isEmpty {
                                if store != nil { pendingLinks.append((position, output.newLinks)) }
                            }
                            // Messages before a row's last may close a batch: such a batch commits
                            // only up to the row's start, so a crash re-sends the row whole.
                            let rowStart = RowPosition(fileIndex: fileIndex, line: max(0, line - 1), endOffset: offset)
                            for (index, item) in messages.enumerated() {
                                let last = index == messages.count - 1
                                let ts = item.message.event.timestamp ?? Timestamp(microseconds: 0)
                                try await accept(
                                    item.event, kind: item.message.kind, timestamp: ts, preview: previewLeft > 0 ? item.message.event.jsonValue : nil,
                                    line: line, offset: offset, at: last ? position : rowStart, endsRow: last)
                            }
                        }
                    }
                    // A batch never spans two files: the file's end is committed after its last batch.
                    if let last = batcher.flush() {
                        let refs = pendingRows
                        pendingRows.removeAll()
                        var batch = last
                        for i in batch.events.indices { batch.events[i].tag = Int64(i) }
                        try await dispatch(batch, rows: refs)
                    }
                    let raw = reader.rawOffset
                    live.withLock {
                        $0.rowsRead += sinceUpdate
                        $0.bytesRead = bytesBefore + raw
                        $0.filesDone += 1
                    }
                    try commit(ledger.finishFile(fileIndex, at: lastEnd))
                    summary.filesImported += 1
                }
                if let last = batcher.flush() {
                    var batch = last
                    for i in batch.events.indices { batch.events[i].tag = Int64(i) }
                    try await dispatch(batch, rows: pendingRows)
                    pendingRows.removeAll()
                }
                while let outcome = try await group.next() {
                    try handle(outcome)
                }
            }
        } catch let error as ImportError {
            fatal = error
        } catch {
            fatal = ImportError(.serverFailing, "\(error)")
        }
        if fatal == nil && Task.isCancelled { fatal = ImportError(.interrupted, "interrupted") }

        summary.seconds = {
            let d = ContinuousClock.now - started
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }()
        try? rejects?.flush()
        if let store {
            if let fatal {
                try? store.setStatus(fatal.kind == .interrupted ? "interrupted" : "failed", error: fatal.message)
            } else {
                try? store.setStatus("finished", error: nil)
            }
        }
        if let fatal {
            summary.stopReason = fatal.message
            if fatal.kind == .tooManyRejects { return summary }
            throw fatal
        }
        return summary
    }
}
