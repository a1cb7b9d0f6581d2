public import PostHogCore
import PostHogKit

/// One exported event, in the `posthog` preset's shape.
public struct ExportRow: Sendable, Equatable {
    public var uuid: String
    public var event: String
    public var distinctId: String
    public var timestamp: Timestamp
    /// The properties (parsed from ``propertiesJSON`` on each read when the row holds the text).
    public var properties: [String: JSONValue] {
        get { propertiesValue ?? propertiesJSON.flatMap { try? JSONParser.parse($0).objectValue } ?? [:] }
        set {
            propertiesValue = newValue
            propertiesJSON = nil
        }
    }
    private var propertiesValue: [String: JSONValue]?
    /// The server's text of ``properties`` when it is a JSON object that can be written as it is
    /// (valid, one line, no duplicate keys): files then keep its numbers exactly as stored
    /// (integers beyond 64 bits, decimal spellings) and its key order, and the exporter never
    /// builds the values (a page of 50,000 rows would hold them all at once).
    public private(set) var propertiesJSON: [UInt8]?
    /// The properties could not be read as an object: they are kept as text under
    /// ``rawPropertiesKey`` instead of failing the page.
    public var hasRawProperties = false

    /// Where properties that are not a JSON object are kept, as the server's text.
    public static let rawPropertiesKey = "$hogport_raw_properties"

    public init(uuid: String, event: String, distinctId: String, timestamp: Timestamp, properties: [String: JSONValue]) {
        self.uuid = uuid
        self.event = event
        self.distinctId = distinctId
        self.timestamp = timestamp
        propertiesValue = properties
    }

    /// The row's position in the export order.
    public var cursor: ExportCursor { ExportCursor(timestamp: timestamp, uuid: uuid) }

    /// Reads one result row by the response's column names (the uuid as `uuid_text`, or `uuid`). The timestamp may be UTC
    /// text (`timestamp_utc`, ClickHouse's form or ISO-8601) or integer microseconds; the properties an object or a JSON string of one; anything else is kept as text under
    /// ``rawPropertiesKey`` (one bad row must not stop the export).
    static func parse(_ row: JSONValue, columns: [String: Int]) -> Result<ExportRow, ExportError> {
        guard case .array(let cells) = row else { return .failure(Self.malformed("a row is not an array")) }
        func cell(_ name: String) -> JSONValue? {
            guard let index = columns[name], index < cells.count else { return nil }
            return cells[index]
        }
        guard let uuid = (cell("uuid_text") ?? cell("uuid"))?.stringValue, !uuid.isEmpty else { return .failure(Self.malformed("a row has no uuid")) }
        guard let event = cell("event")?.stringValue else { return .failure(Self.malformed("row \(uuid) has no event name")) }
        let distinctId: String
        switch cell("distinct_id") {
        case .string(let s)?: distinctId = s
        case .int(let i)?: distinctId = String(i)
        default: return .failure(Self.malformed("row \(uuid) has no distinct_id"))
        }
        var timestamp: Timestamp?
        switch cell("timestamp_utc") ?? cell("timestamp_us") ?? cell("timestamp") {
        case .int(let us)?: timestamp = Timestamp(microseconds: us)
        case .string(let text)?: timestamp = Int64(text).map { Timestamp(microseconds: $0) } ?? Timestamp(iso8601: text)
        default: timestamp = nil
        }
        guard let timestamp else { return .failure(Self.malformed("row \(uuid) has no readable timestamp")) }
        var properties: [String: JSONValue] = [:]
        var propertiesJSON: [UInt8]?
        var textHasElementsChain = false
        var raw = false
        switch cell("properties") {
        case .object(let object)?: properties = object
        case .string(let text)?:
            if let copyable = verbatim(text) {
                propertiesJSON = copyable.bytes
                textHasElementsChain = copyable.hasElementsChain
            } else if case .object(let object)? = try? JSONParser.parse(text) {
                properties = object
            } else {
                properties = [rawPropertiesKey: .string(text)]
                raw = true
            }
        case nil, .null?: break
        case let other?:
            properties = [rawPropertiesKey: .string(JSONWriter.string(other, sortedKeys: true))]
            raw = true
        }
        if case .string(let chain)? = cell(MessageBuilder.elementsChainColumn), !chain.isEmpty {
            if let json = propertiesJSON {
                if !textHasElementsChain { propertiesJSON = withMember(elementsChainKey, chain, in: json) }
            } else if properties[elementsChainKey] == nil {
                properties[elementsChainKey] = .string(chain)
            }
        }
        var parsed = ExportRow(uuid: uuid, event: event, distinctId: distinctId, timestamp: timestamp, properties: properties)
        parsed.hasRawProperties = raw
        if let propertiesJSON {
            parsed.propertiesValue = nil
            parsed.propertiesJSON = propertiesJSON
        }
        return .success(parsed)
    }

    /// Where an autocapture's elements go in the files: the property PostHog reads them from at ingestion.
    public static let elementsChainKey = "$elements_chain"

    /// `object` (the text of a JSON object) with `"key":"value"` as its first member.
    static func withMember(_ key: String, _ value: String, in object: [UInt8]) -> [UInt8] {
        guard let open = object.firstIndex(of: UInt8(ascii: "{")) else { return object }
        var writer = JSONWriter(capacity: object.count + value.utf8.count + 32)
        writer.writeRaw(object[...open])
        writer.writeKey(key)
        writer.writeString(value)
        let rest = object[(open + 1)...]
        let isEmpty = rest.first { $0 != 0x20 && $0 != 0x09 } == UInt8(ascii: "}")
        if !isEmpty { writer.writeByte(UInt8(ascii: ",")) }
        writer.writeRaw(rest)
        return writer.bytes
    }

    /// `text` as bytes to copy into a file (a JSON object on one line with distinct keys), and
    /// whether it has an `$elements_chain`; nil when it must be written again from its value.
    static func verbatim(_ text: String) -> (bytes: [UInt8], hasElementsChain: Bool)? {
        let bytes = Array(text.utf8)
        guard !bytes.contains(0x0A), !bytes.contains(0x0D) else { return nil }
        guard let members = bytes.withUnsafeBufferPointer({ try? JSONScanner.members(of: $0) }),
            Set(members.map(\.key)).count == members.count
        else { return nil }
        return (bytes, members.contains { $0.key == elementsChainKey })
    }

    static func malformed(_ what: String) -> ExportError {
        ExportError(.serverFailing, "the query response is not readable: \(what)")
    }
}
