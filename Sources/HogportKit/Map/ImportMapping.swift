public import PostHogCore
import PostHogKit
import Foundation

/// A mapping file: how rows of some shape become PostHog messages. Every key is optional; see
/// docs/import.md for the schema with examples.
///
/// ```json
/// {
///   "event": "action",
///   "distinct_id": ["user_id", "device_id"],
///   "timestamp": {"field": "ts", "format": "epoch_ms"},
///   "uuid": "event_id",
///   "properties": "props",
///   "columns": {"zip": "string", "price": "number"},
///   "rename_events": {"Page Viewed": "$pageview"},
///   "drop_events": ["session_start"],
///   "rename_properties": {"page_url": "$current_url"},
///   "drop_properties": ["internal_id"],
///   "add_properties": {"source": "legacy-db"}
/// }
/// ```
public struct ImportMapping: Sendable, Equatable {
    /// Where the event name is.
    public var event = FieldPath("event")
    /// Candidates for the distinct id; the first non-empty wins.
    public var distinctId = [FieldPath("distinct_id"), FieldPath("$distinct_id"), FieldPath("properties.distinct_id")]
    public var timestamp = FieldPath("timestamp")
    public var timestampFormat = TimestampFormat.auto
    public var uuid = FieldPath("uuid")
    /// Where the message type is (capture, identify, alias, group_identify); absent = from the event name.
    public var type = FieldPath("type")
    /// The object holding event properties (a JSON string there is parsed).
    public var properties = FieldPath("properties")
    /// CSV column types (`auto` for the rest).
    public var columns: [String: CSVValueType] = [:]
    public var renameEvents: [String: String] = [:]
    public var dropEvents: Set<String> = []
    public var renameProperties: [String: String] = [:]
    public var dropProperties: Set<String> = []
    public var addProperties: [String: JSONValue] = [:]
    /// The preset and its version (`amplitude/v1`) when the rows come through a preset's reshaper;
    /// part of the fingerprint, so a checkpoint of one preset refuses another.
    public var presetTag: String?

    public init() {}

    /// Reads a mapping file.
    public init(contentsOf path: String) throws(MappingError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MappingError("cannot read the mapping file \(path)")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(Array(data))
        } catch {
            throw MappingError("the mapping file \(path) is not valid JSON: \(error)")
        }
        try self.init(json: json, source: path)
    }

    /// Reads a mapping from its JSON form; unknown keys are an error (a typo should not be ignored).
    public init(json: JSONValue, source: String = "mapping") throws(MappingError) {
        guard case .object(let object) = json else { throw MappingError("\(source): a mapping is a JSON object") }
        let known: Set<String> = [
            "event", "distinct_id", "timestamp", "uuid", "type", "properties", "columns", "rename_events", "drop_events",
            "rename_properties", "drop_properties", "add_properties", "description",
        ]
        if let unknown = object.keys.filter({ !known.contains($0) }).sorted().first {
            throw MappingError("\(source): unknown key '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        func path(_ key: String) throws(MappingError) -> FieldPath? {
            guard let value = object[key] else { return nil }
            guard let s = value.stringValue, !s.isEmpty else { throw MappingError("\(source): '\(key)' must be a field name") }
            return FieldPath(s)
        }
        func strings(_ key: String) throws(MappingError) -> [String]? {
            guard let value = object[key] else { return nil }
            if let s = value.stringValue { return [s] }
            guard let array = value.arrayValue, array.allSatisfy({ $0.stringValue != nil }) else {
                throw MappingError("\(source): '\(key)' must be a string or a list of strings")
            }
            return array.compactMap(\.stringValue)
        }
        func stringMap(_ key: String) throws(MappingError) -> [String: String]? {
            guard let value = object[key] else { return nil }
            guard let members = value.objectValue, members.values.allSatisfy({ $0.stringValue != nil }) else {
                throw MappingError("\(source): '\(key)' must map names to names")
            }
            return members.compactMapValues(\.stringValue)
        }
        if let p = try path("event") { event = p }
        if let candidates = try strings("distinct_id") {
            guard !candidates.isEmpty else { throw MappingError("\(source): 'distinct_id' needs at least one field") }
            distinctId = candidates.map(FieldPath.init)
        }
        switch object["timestamp"] {
        case nil: break
        case .string(let s)?: timestamp = FieldPath(s)
        case .object(let spec)?:
            if let unknown = spec.keys.filter({ $0 != "field" && $0 != "format" }).sorted().first {
                throw MappingError("\(source): unknown key '\(unknown)' in 'timestamp' (known: field, format)")
            }
            if let field = spec["field"] {
                guard let text = field.stringValue, !text.isEmpty else { throw MappingError("\(source): 'timestamp.field' must be a field name") }
                timestamp = FieldPath(text)
            }
            if let format = spec["format"], format.stringValue == nil {
                throw MappingError("\(source): 'timestamp.format' must be a string")
            }
            if let name = spec["format"]?.stringValue {
                guard let format = TimestampFormat(name: name) else {
                    throw MappingError("\(source): unknown timestamp format '\(name)' (auto, iso8601, epoch_s, epoch_ms, epoch_us, epoch_ns, or a %-pattern)")
                }
                timestampFormat = format
            }
        default: throw MappingError("\(source): 'timestamp' must be a field name or {\"field\", \"format\"}")
        }
        if let p = try path("uuid") { uuid = p }
        if let p = try path("type") { type = p }
        if let p = try path("properties") { properties = p }
        if let map = try stringMap("columns") {
            for (column, name) in map {
                guard let t = CSVValueType(rawValue: name) else {
                    throw MappingError(
                        "\(source): column '\(column)' has unknown type '\(name)' (\(CSVValueType.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                columns[column] = t
            }
        }
        renameEvents = try stringMap("rename_events") ?? [:]
        dropEvents = Set(try strings("drop_events") ?? [])
        renameProperties = try stringMap("rename_properties") ?? [:]
        dropProperties = Set(try strings("drop_properties") ?? [])
        if let add = object["add_properties"] {
            guard let members = add.objectValue else { throw MappingError("\(source): 'add_properties' must be an object") }
            addProperties = members
        }
    }

    /// A stable text of the mapping, for the checkpoint's configuration fingerprint.
    public var fingerprint: String {
        var parts: [String] = [
            event.text, distinctId.map(\.text).joined(separator: "|"), timestamp.text, "\(timestampFormat)", uuid.text, type.text,
            properties.text,
        ]
        parts.append(columns.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.rawValue)" }.joined(separator: ","))
        parts.append(renameEvents.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
        parts.append(dropEvents.sorted().joined(separator: ","))
        parts.append(renameProperties.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
        parts.append(dropProperties.sorted().joined(separator: ","))
        parts.append(JSONWriter.string(.object(addProperties), sortedKeys: true))
        // Appended only when set, so fingerprints of earlier checkpoints stay valid.
        if let presetTag { parts.append("preset=\(presetTag)") }
        return parts.joined(separator: "\u{1F}")
    }
}
