public import PostHogKit

/// `import --dry-run` for presets with a reshaper, until the import pipeline runs reshapers itself:
/// reads the inputs, maps every row through a ``PresetRowMapper`` and returns the summary a dry run
/// prints (counts per kind, rejects, skips, time range, the first messages). Nothing is sent and no
/// checkpoint is touched.
public enum PresetDryRun {
    /// - Parameter rejected: called for each rejected row (file, line, reason).
    public static func run(
        inputs: [String], format: InputFormat, mapper: PresetRowMapper, limit: Int? = nil, previewCount: Int = 10,
        rejected: (String, Int, String) -> Void = { _, _, _ in }
    ) throws(ImportError) -> ImportSummary {
        let clock = ContinuousClock()
        let started = clock.now
        var mapper = mapper
        var summary = ImportSummary()
        summary.dryRun = true
        var lastTimestamp = Int64.min
        fileLoop: for path in inputs {
            let name = path == "-" ? "stdin" : path
            var reader = try RowReader(path: path, format: format, mapping: mapper.builder.mapping)
            while let row = try reader.next() {
                if let limit, summary.counts.rows >= limit { break fileLoop }
                summary.counts.rows += 1
                switch row {
                case .malformed(let reason, let line, _, _, _):
                    summary.counts.rejected += 1
                    rejected(name, line, reason)
                case .object(let object, let line, _, _, _):
                    let output: PresetRowMapper.Output
                    do throws(MappingError) {
                        output = try mapper.map(object)
                    } catch {
                        summary.counts.rejected += 1
                        rejected(name, line, error.reason)
                        continue
                    }
                    for mapped in output.rows {
                        switch mapped {
                        case .skipped:
                            summary.counts.skipped += 1
                        case .message(let message):
                            summary.counts.sent += 1
                            summary.counts.kinds[message.kind, default: 0] += 1
                            let ts = message.event.timestamp ?? Timestamp(microseconds: 0)
                            if ts.microseconds < lastTimestamp { summary.outOfOrder += 1 }
                            lastTimestamp = ts.microseconds
                            if summary.earliest.map({ ts < $0 }) ?? true { summary.earliest = ts }
                            if summary.latest.map({ ts > $0 }) ?? true { summary.latest = ts }
                            if summary.preview.count < previewCount { summary.preview.append(message.event.jsonValue) }
                        }
                    }
                }
            }
            summary.filesImported += 1
        }
        let elapsed = clock.now - started
        summary.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return summary
    }
}
