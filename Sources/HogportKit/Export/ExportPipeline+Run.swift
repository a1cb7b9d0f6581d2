import Foundation
import Logging
import PostHogCore
import PostHogKit
import Synchronization

/// One export run: its pages, files and checkpoint.
extension ExportPipeline {
    /// The state of one run.
    struct Run {
        let pipeline: ExportPipeline
        let checkpoint: ExportCheckpoint
        let since: Timestamp
        let until: Timestamp
        var summary: ExportSummary

        var configuration: ExportConfiguration { pipeline.configuration }
        var lookbackMicros: Int64 {
            let parts = configuration.lookback.components
            return parts.seconds * 1_000_000 + parts.attoseconds / 1_000_000_000_000
        }

        /// The open file and the uuids of its rows.
        var writer: DayFileWriter?
        var uuids: [(String, Int64)] = []
        /// Rows per query: `--page-size`, halved whenever an answer is over the transport's size
        /// limit (rows with large properties), and doubled back towards it after
        /// ``pagesBeforeGrowing`` pages that fit.
        lazy var pageSize = configuration.pageSize
        var pagesSinceShrinking = 0
        static let pagesBeforeGrowing = 8

        mutating func openWriter(day: Int64) throws(ExportError) -> DayFileWriter {
            if let writer, writer.day == day { return writer }
            let writer = try DayFileWriter(
                directory: configuration.outputDirectory, day: day, part: try checkpoint.nextPart(day: day), format: configuration.format,
                gzip: configuration.gzip)
            self.writer = writer
            pipeline.update { $0.currentDay = ExportFileName.date(ofDay: day) }
            return writer
        }

        /// Publishes the open file and commits it; `cursor` moves the checkpoint's cursor (nil
        /// for lookback parts).
        mutating func publish(complete: Bool, lookback: Bool, cursor: ExportCursor?, seenFloor: Int64) throws(ExportError) {
            guard let open = writer else { return }
            writer = nil
            let published = try open.publish()
            try checkpoint.commit(published, complete: complete, lookback: lookback, cursor: cursor, uuids: uuids, seenFloor: seenFloor)
            uuids.removeAll(keepingCapacity: true)
            try ExportManifest.write(configuration: configuration, checkpoint: checkpoint)
            summary.files.append(published.name)
            pipeline.update { $0.files += 1 }
            pipeline.logger.info(
                "published \(published.name)", metadata: ["rows": "\(published.rows)", "complete": "\(complete)", "lookback": "\(lookback)"])
        }

        /// Counts (and for the first few, logs) a row whose properties are kept as raw text.
        mutating func noteRaw(_ row: ExportRow) {
            guard row.hasRawProperties else { return }
            summary.rawProperties += 1
            if summary.rawProperties <= 5 {
                pipeline.logger.warning(
                    "event \(row.uuid) at \(row.timestamp.iso8601): properties are not a JSON object; written as text under \(ExportRow.rawPropertiesKey)")
            }
        }

        func dayEnd(_ day: Int64) -> Int64 { (day + 1) * ExportFileName.dayMicroseconds }

        /// Whether a page ends a pass: an empty page, or a short one the server says is the last
        /// (`hasMore: false`). A short page alone is not the end: PostHog may cap a page below
        /// the LIMIT asked for.
        func isLast(_ page: QueryClient.Page) -> Bool {
            page.rows.isEmpty || (page.hasMore == false && page.rows.count < page.limit)
        }

        /// Fetches a page; when it fails, first publishes the open file (for the main pass with
        /// the cursor at its last row), so a run that keeps failing still moves forward.
        mutating func fetch(_ query: ExportQuery, onFailure publishOpen: (inout Run) throws(ExportError) -> Void) async throws(ExportError) -> QueryClient.Page
        {
            var query = query
            do {
                while true {
                    do {
                        let page = try await pipeline.client.page(for: query)
                        if pageSize < configuration.pageSize {
                            pagesSinceShrinking += 1
                            if pagesSinceShrinking >= Self.pagesBeforeGrowing {
                                pageSize = min(configuration.pageSize, pageSize * 2)
                                pagesSinceShrinking = 0
                            }
                        }
                        return page
                    } catch  where error.kind == .responseTooLarge && query.limit > 1 {
                        pageSize = max(1, query.limit / 2)
                        pagesSinceShrinking = 0
                        query.limit = pageSize
                        pipeline.logger.notice("\(error.message); asking for \(pageSize) rows a query for a while")
                    }
                }
            } catch {
                if writer != nil {
                    do {
                        try publishOpen(&self)
                    } catch let publishError {
                        pipeline.logger.error("could not publish the open file after a failed query: \(publishError.message)")
                    }
                }
                throw error
            }
        }

        /// Re-reads `[max(cursor - lookback, seenSince), cursor]` (the cursor's own instant
        /// included: a late row with the cursor's timestamp may sort before its uuid) and writes
        /// rows not exported yet.
        mutating func lookback(cursor: ExportCursor, seenSince: Timestamp) async throws(ExportError) {
            let start = Timestamp(microseconds: max(cursor.timestamp.microseconds - lookbackMicros, seenSince.microseconds))
            guard start < cursor.timestamp else { return }
            pipeline.logger.info("lookback: re-reading \(start.iso8601) .. \(cursor.timestamp.iso8601) for late events")
            let floor = cursor.timestamp.microseconds - lookbackMicros
            var after: ExportCursor?
            var written: Set<String> = []
            while true {
                if pipeline.isStopping {
                    try publish(complete: false, lookback: true, cursor: nil, seenFloor: floor)
                    throw ExportError(.interrupted, "stopped during the lookback; what was found is published")
                }
                let query = ExportQuery(
                    since: start, until: Timestamp(microseconds: cursor.timestamp.microseconds + 1), after: after, events: configuration.events,
                    limit: pageSize)
                let page = try await fetch(query) { (run: inout Run) throws(ExportError) in
                    try run.publish(complete: false, lookback: true, cursor: nil, seenFloor: floor)
                }
                let rows = page.rows
                pipeline.update { $0.pages += 1 }
                let known = try checkpoint.seen(rows.map(\.uuid))
                for row in rows {
                    if known.contains(row.uuid) || written.contains(row.uuid) {
                        summary.duplicatesSkipped += 1
                        continue
                    }
                    let day = row.timestamp.utcDay
                    if let open = writer, open.day != day {
                        try publish(complete: cursor.timestamp.microseconds >= dayEnd(open.day), lookback: true, cursor: nil, seenFloor: floor)
                    }
                    try openWriter(day: day).append(row)
                    noteRaw(row)
                    uuids.append((row.uuid, row.timestamp.microseconds))
                    written.insert(row.uuid)
                    summary.lookbackRows += 1
                    pipeline.update { $0.lookbackRows += 1 }
                }
                after = rows.last?.cursor ?? after
                if isLast(page) { break }
            }
            if let open = writer {
                try publish(complete: cursor.timestamp.microseconds >= dayEnd(open.day), lookback: true, cursor: nil, seenFloor: floor)
            }
            if summary.lookbackRows > 0 {
                pipeline.logger.notice("lookback: \(summary.lookbackRows) late events written (\(summary.duplicatesSkipped) already exported)")
            }
        }

        /// Pages from `after` to `until`, publishing each day as it ends and the open day at the end.
        mutating func main(after start: ExportCursor?) async throws(ExportError) {
            var after = start
            if let after, after.timestamp >= until {
                pipeline.logger.info("nothing to do: the cursor (\(after.timestamp.iso8601)) is at or past --until")
                return
            }
            var last: ExportCursor?
            var stopped = false
            var pruneAt = 100_000
            while true {
                if pipeline.isStopping {
                    stopped = true
                    break
                }
                let query = ExportQuery(since: since, until: until, after: after, events: configuration.events, limit: pageSize)
                let page = try await fetch(query) { (run: inout Run) throws(ExportError) in
                    guard let last else { return }
                    try run.publish(complete: false, lookback: false, cursor: last, seenFloor: last.timestamp.microseconds - run.lookbackMicros)
                }
                let rows = page.rows
                pipeline.update { $0.pages += 1 }
                // Rows at the starting cursor's own instant may have been written already by a
                // lookback part (the lookback reads that instant too): skip the ones remembered.
                var exported: Set<String> = []
                if let start, rows.contains(where: { $0.timestamp == start.timestamp }) {
                    exported = try checkpoint.seen(rows.filter { $0.timestamp == start.timestamp }.map(\.uuid))
                }
                var written = 0
                for row in rows {
                    if !exported.isEmpty, row.timestamp == start?.timestamp, exported.contains(row.uuid) {
                        summary.duplicatesSkipped += 1
                        continue
                    }
                    written += 1
                    let day = row.timestamp.utcDay
                    if let open = writer, open.day != day, let last {
                        guard day > open.day else {
                            throw ExportError(.serverFailing, "the server returned rows out of (timestamp, uuid) order at \(row.timestamp.iso8601)")
                        }
                        try publish(complete: true, lookback: false, cursor: last, seenFloor: last.timestamp.microseconds - lookbackMicros)
                    }
                    try openWriter(day: day).append(row)
                    noteRaw(row)
                    uuids.append((row.uuid, row.timestamp.microseconds))
                    if uuids.count >= pruneAt {
                        // Only uuids within the lookback window of the cursor are kept.
                        let floor = row.timestamp.microseconds - lookbackMicros
                        uuids.removeAll { $0.1 < floor }
                        pruneAt = max(100_000, uuids.count * 2)
                    }
                    last = row.cursor
                }
                summary.rows += written
                let position = rows.last?.timestamp
                pipeline.update {
                    $0.rows += written
                    if let position { $0.position = position }
                }
                after = rows.last?.cursor ?? after
                if isLast(page) { break }
            }
            if let open = writer, let last {
                let complete = !stopped && until.microseconds >= dayEnd(open.day)
                try publish(complete: complete, lookback: false, cursor: last, seenFloor: last.timestamp.microseconds - lookbackMicros)
            }
            if stopped {
                throw ExportError(.interrupted, "stopped; every row read is published and committed")
            }
            try checkpoint.setThrough(until)
            try ExportManifest.write(configuration: configuration, checkpoint: checkpoint)
        }
    }
}
