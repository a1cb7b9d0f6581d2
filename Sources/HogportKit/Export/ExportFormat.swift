/// The file format `hogport export` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// One JSON object per line, in the `posthog` preset's shape.
    case ndjson
    /// A header `uuid,event,distinct_id,timestamp,properties`, the properties as a JSON object in
    /// one cell (the import merges a column named `properties` into the event's properties).
    case csv

    /// The file name extension, without the `.gz`.
    public var fileExtension: String { rawValue }
}
