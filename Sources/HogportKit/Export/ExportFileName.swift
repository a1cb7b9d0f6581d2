import PostHogKit
import PostHogCore

/// Names of the files an export writes: `events-YYYY-MM-DD.<ext>[.gz]` for a day's first part,
/// `events-YYYY-MM-DD.part-N.<ext>[.gz]` for part N ≥ 2 (a day continued by a later run, or
/// late events found by `--lookback`).
public enum ExportFileName {
    /// The UTC date `YYYY-MM-DD` of day number `day` (days since 1970-01-01).
    public static func date(ofDay day: Int64) -> String {
        String(Timestamp(microseconds: day * dayMicroseconds).iso8601.prefix(10))
    }

    public static let dayMicroseconds: Int64 = 86_400_000_000

    /// The file name of part `part` (1-based) of `day`.
    public static func name(day: Int64, part: Int, format: ExportFormat, gzip: Bool) -> String {
        let partText = part <= 1 ? "" : ".part-\(part)"
        return "events-\(date(ofDay: day))\(partText).\(format.fileExtension)\(gzip ? ".gz" : "")"
    }

    /// The hidden name a file is written under before it is complete.
    static func temporary(_ name: String) -> String { ".\(name).tmp" }

    /// Whether `name` is a leftover temporary file of an export.
    static func isTemporary(_ name: String) -> Bool { name.hasPrefix(".events-") && name.hasSuffix(".tmp") }
}
