import Logging
import PostHogKit
import PostHogCore

extension ExportPipeline {
    /// Makes sure the checkpoint remembers every uuid exported in the lookback window before the
    /// cursor. It remembers only what was exported while a lookback was set, so when `--lookback`
    /// is added to an existing job (or widened), the missing part is read back from the
    /// published day files. Returns the instant from which every exported uuid is remembered.
    func rememberLookbackWindow(job: ExportCheckpoint.Job, cursor: ExportCursor, checkpoint: ExportCheckpoint) throws(ExportError) -> Timestamp {
        let lookback = configuration.lookback.components
        let micros = lookback.seconds * 1_000_000 + lookback.attoseconds / 1_000_000_000_000
        let wanted = Timestamp(microseconds: max(job.since.microseconds, cursor.timestamp.microseconds - micros))
        guard wanted < job.seenSince else { return job.seenSince }
        let window = wanted..<job.seenSince
        let uuids = try ExportedUUIDs.read(try checkpoint.files(), directory: configuration.outputDirectory, format: configuration.format, window: window)
        try checkpoint.rememberExported(uuids, since: wanted)
        logger.info(
            "lookback: the checkpoint did not remember \(wanted.iso8601) .. \(job.seenSince.iso8601); read \(uuids.count) exported uuids back from the day files"
        )
        return wanted
    }
}
