import PostHogKit
import PostHogCore

/// Reads back the uuids an export published in a time window, from its recorded day files: what
/// `--lookback` needs when the checkpoint did not remember that window (lookback added to an
/// existing job, or widened), so its first run already finds the late events and skips the rest.
enum ExportedUUIDs {
    /// The (uuid, microseconds) of every row in `files` timed in `window`.
    static func read(
        _ files: [ExportCheckpoint.FileRecord], directory: String, format: ExportFormat, window: Range<Timestamp>
    ) throws(ExportError) -> [(String, Int64)] {
        var found: [(String, Int64)] = []
        for file in files where overlaps(file, window) {
            let path = directory.hasSuffix("/") ? directory + file.name : directory + "/" + file.name
            try read(path, format: format, window: window, into: &found)
        }
        return found
    }

    private static func overlaps(_ file: ExportCheckpoint.FileRecord, _ window: Range<Timestamp>) -> Bool {
        guard let first = file.first, let last = file.last else { return true }
        return first < window.upperBound && last >= window.lowerBound
    }

    private static func read(_ path: String, format: ExportFormat, window: Range<Timestamp>, into found: inout [(String, Int64)]) throws(ExportError) {
        do throws(ImportError) {
            var reader = try RowReader(path: path, format: format == .csv ? .csv : .ndjson, mapping: ImportMapping())
            while let row = try reader.next() {
                guard case .object(let object, _, _, _, _) = row, let uuid = object["uuid"]?.stringValue,
                    let time = object["timestamp"], let timestamp = try? TimestampFormat.auto.parse(time), window.contains(timestamp)
                else { continue }
                found.append((uuid, timestamp.microseconds))
            }
        } catch {
            throw ExportError(
                .outputUnwritable, "cannot read back \(path) for the lookback window (\(error.message)); restore the file, or run once without --lookback")
        }
    }
}
