import Logging
import PostHogKit
import PostHogCore

/// The in-order part of the map stage: rows become ledger entries and batched events, rejected
/// rows go to the rejects file, a preset's stateful mapper runs.
extension ImportRun {
    /// Takes a mapped chunk in reading order.
    func consume(_ mapped: MappedChunk) throws(ImportError) {
        let chunk = mapped.chunk
        for (row, outcome) in zip(chunk.rows, mapped.outcomes) {
            switch outcome {
            case .rejected(let reason):
                try reject(row, of: chunk, reason: reason)
            case .object(let object):
                try mapWithPreset(object, row: row, of: chunk)
            case .events(let events, let dropped):
                accept(events, dropped: dropped, row: row, of: chunk, links: [])
            }
        }
        if let end = chunk.fileEnd {
            ledger.finishFile(chunk.fileIndex, at: end)
            summary.filesImported += 1
            live.withLock { $0.filesDone += 1 }
        }
        try commitReleased()
        closeOldestIfBehind()
    }

    /// Rows of a vendor preset: mapped in order, since the mapper remembers links and groups.
    private func mapWithPreset(_ object: [String: JSONValue], row: RowChunk.Row, of chunk: RowChunk) throws(ImportError) {
        // Taken out, not copied: a copy would share the mapper's tables, and the first change to
        // them would copy them whole, on every row.
        guard var preset = presetMapper.take() else { return }
        defer { presetMapper = preset }
        if chunk.fileIndex != presetFileIndex {
            preset.startFile(job.files[chunk.fileIndex])
            presetFileIndex = chunk.fileIndex
        }
        let output: PresetRowMapper.Output
        do throws(MappingError) {
            output = try preset.map(object)
        } catch {
            try reject(row, of: chunk, reason: error.reason)
            return
        }
        switch mapper.finish(output.rows) {
        case .events(let events, let dropped):
            accept(events, dropped: dropped, row: row, of: chunk, links: output.newLinks)
        case .rejected(let reason):
            preset.forget(output)
            try reject(row, of: chunk, reason: reason)
        case .object:
            preconditionFailure("finish never returns a row object")
        }
    }

    /// Registers a row's events with the ledger and hands them to the batcher.
    private func accept(_ events: [MappedEvent], dropped: Int, row: RowChunk.Row, of chunk: RowChunk, links: [DeviceLink]) {
        summary.counts.rows += 1
        summary.counts.skipped += dropped
        guard !events.isEmpty else {
            ledger.addRow(at: row.resume, messages: 0, skipped: true)
            live.withLock { $0.skipped += max(1, dropped) }
            return
        }
        let sequence = ledger.addRow(at: row.resume, messages: events.count)
        committer.hold(links, for: sequence)
        for mapped in events {
            note(mapped)
            let origin = UploadBatch.Source(sequence: sequence, fileIndex: chunk.fileIndex, line: row.line, offset: row.offset, kind: mapped.kind)
            ready.append(contentsOf: batcher.add(mapped.event, day: mapped.timestamp.utcDay, from: origin))
        }
    }

    /// Order, range and preview bookkeeping for one event.
    private func note(_ mapped: MappedEvent) {
        let ts = mapped.timestamp
        if ts.microseconds < lastTimestamp { summary.outOfOrder += 1 }
        lastTimestamp = ts.microseconds
        if ts.microseconds < 0 { summary.before1970 += 1 }
        if summary.earliest.map({ ts < $0 }) ?? true { summary.earliest = ts }
        if summary.latest.map({ ts > $0 }) ?? true { summary.latest = ts }
        if previewLeft > 0, let value = try? JSONParser.parse(mapped.event.bytes) {
            previewLeft -= 1
            summary.preview.append(value)
        }
    }

    /// Writes a rejected row to the rejects file and settles it.
    private func reject(_ row: RowChunk.Row, of chunk: RowChunk, reason: String) throws(ImportError) {
        summary.counts.rows += 1
        summary.counts.rejected += 1
        rejectedThisRun += 1
        live.withLock { $0.rejected += 1 }
        let name = source.displayName(chunk.fileIndex)
        try committer.reject(file: name, line: row.line, offset: row.offset, reason: reason, raw: chunk.bytes(of: row))
        if configuration.dryRun && rejectedThisRun <= 5 { logger.warning("\(name):\(row.line): rejected: \(reason)") }
        ledger.addRow(at: row.resume, messages: 0, rejected: true)
        try checkRejectLimits(last: "\(name):\(row.line): \(reason)")
    }

    /// `--strict` and `--max-rejects`.
    func checkRejectLimits(last: String) throws(ImportError) {
        if configuration.strict {
            throw ImportError(.tooManyRejects, "\(last) (--strict stops at the first rejected row)")
        }
        if let max = configuration.maxRejects, rejectedThisRun > max {
            throw ImportError(.tooManyRejects, "more than \(max) rows rejected (--max-rejects); the last: \(last)")
        }
    }

    /// Saves what the ledger releases.
    func commitReleased() throws(ImportError) {
        try committer.commit(ledger.release())
    }

    /// Keeps the uncommitted stretch of input short: when too many rows wait, the batch holding
    /// the oldest of them goes out, full or not.
    private func closeOldestIfBehind() {
        guard ledger.pendingRows > maxPendingRows, let oldest = batcher.closeOldest() else { return }
        ready.append(oldest)
    }
}
