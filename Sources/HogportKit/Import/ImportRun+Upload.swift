import Logging
import PostHogKit
import PostHogCore

/// The send stage's side of the coordinator: start uploads as the gate allows, and settle what
/// the server did with each batch.
extension ImportRun {
    /// Starts uploads of ready batches while the gate has slots (a dry run settles them at once).
    func startUploads(_ group: inout ThrowingTaskGroup<Work, any Error>) {
        guard !stopping else { return }
        while !ready.isEmpty {
            guard let sender else {
                settleDryRun(ready.removeFirst())
                continue
            }
            guard gate.canStart(bytes: ready[0].bytes) else { break }
            let batch = ready.removeFirst()
            let wait = gate.start(events: batch.events.count, bytes: batch.bytes, now: now())
            let sleep = self.sleep
            group.addTask { .uploaded(await UploadOutcome.upload(batch, through: sender, after: wait, sleep: sleep)) }
            noteBatchSize(batch.events.count)
        }
        let (inFlight, limit) = (gate.inFlight, gate.concurrency.limit)
        live.withLock {
            $0.inFlight = inFlight
            $0.concurrencyLimit = limit
        }
    }

    /// A dry run sends nothing: a batch counts as delivered.
    private func settleDryRun(_ batch: UploadBatch) {
        acknowledge(batch.sources, except: [])
        summary.counts.sent += batch.events.count
        _ = ledger.release()
    }

    /// Applies an upload's outcome: acknowledged events, refused ones to the rejects file, a
    /// failure that ends the run.
    func settle(_ outcome: UploadOutcome) throws(ImportError) {
        gate.finish(rtt: outcome.seconds, backPressure: outcome.metBackPressure, bytes: outcome.batch.bytes, now: now())
        let report: DeliveryReport
        switch outcome.result {
        case .failure(let error):
            try fail(error)
            return
        case .success(let delivered):
            report = delivered
        }
        summary.requests += report.requests
        summary.retries += report.retries
        let refused = try refuse(report.rejected, of: outcome.batch)
        acknowledge(outcome.batch.sources, except: refused)
        summary.counts.sent += report.delivered
        live.withLock {
            $0.eventsSent += report.delivered
            $0.requests += report.requests
        }
        try commitReleased()
        if let first = report.rejected.first { try checkRejectLimits(last: "the server refused an event: \(first.reason)") }
    }

    /// Acknowledges a batch's events but the refused ones, counting them by kind.
    private func acknowledge(_ sources: [UploadBatch.Source], except refused: Set<Int>) {
        var kinds = SIMD8<Int64>()
        for (index, origin) in sources.enumerated() where refused.isEmpty || !refused.contains(index) {
            ledger.acknowledge(origin.sequence, kind: origin.kind)
            kinds[origin.kind.ledgerIndex] += 1
        }
        summary.counts.addKinds(kinds)
    }

    /// Writes the server's refusals to the rejects file; returns their indexes in the batch.
    private func refuse(_ rejected: [RejectedEvent], of batch: UploadBatch) throws(ImportError) -> Set<Int> {
        var indexes = Set<Int>()
        for refusal in rejected {
            let index = Int(refusal.event.tag)
            guard batch.sources.indices.contains(index) else { continue }
            indexes.insert(index)
            let origin = batch.sources[index]
            let name = source.displayName(Int(origin.fileIndex))
            try committer.reject(file: name, line: Int(origin.line), offset: origin.offset, reason: refusal.reason, raw: refusal.event.bytes)
            ledger.refuse(origin.sequence)
            summary.counts.rejected += 1
            rejectedThisRun += 1
            if let link = committer.dropLink(aliasUUID: refusal.event.uuid) { presetMapper?.forgetLinks([link]) }
        }
        live.withLock { $0.rejected += indexes.count }
        return indexes
    }

    /// A batch that failed for good ends the run (what was acknowledged before stays committed).
    private func fail(_ error: PostHogError) throws(ImportError) {
        switch error.kind {
        case .authentication:
            throw ImportError(.authentication, "\(error) at \(configuration.host): check the project API key (POSTHOG_API_KEY) and the host")
        case .cancelled:
            if stopping { return }
            throw ImportError(.interrupted, "interrupted")
        default:
            throw ImportError(.serverFailing, "\(error)")
        }
    }

    /// Warns once when the order of the input keeps batches small (many days interleaved).
    private func noteBatchSize(_ events: Int) {
        guard !warnedSmallBatches, !sourceDone, batcher.pressureCloses >= 20 else { return }
        let average = Double(batcher.pressureEvents) / Double(batcher.pressureCloses)
        guard average < Double(configuration.batchSize) / 4 else { return }
        warnedSmallBatches = true
        logger.warning(
            "the input's order is forcing small batches: \(Int(average)) events per request instead of up to \(configuration.batchSize), because rows of more than \(configuration.maxOpenDays) days are interleaved; sorting the input by time, or a larger --max-open-days, sends the same events in fewer requests"
        )
    }
}
