import PostHogKit
import PostHogCore

/// Encodes rows as NDJSON lines or CSV records, in the shape `hogport import --preset posthog`
/// reads back: `uuid`, `event`, `distinct_id`, `timestamp` (UTC ISO-8601) and `properties` (an
/// object: the server's own text when it can be copied, so numbers keep their exact spelling;
/// otherwise written again with sorted keys. Either way a re-export writes the same bytes).
public enum ExportRowEncoder {
    /// The CSV header line.
    public static let csvHeader: [UInt8] = Array("uuid,event,distinct_id,timestamp,properties\n".utf8)

    /// Appends one line for `row` (with its newline).
    public static func append(_ row: ExportRow, format: ExportFormat, to out: inout [UInt8]) {
        switch format {
        case .ndjson: appendNDJSON(row, to: &out)
        case .csv: appendCSV(row, to: &out)
        }
    }

    static func appendNDJSON(_ row: ExportRow, to out: inout [UInt8]) {
        var writer = JSONWriter(capacity: 256, sortedKeys: true)
        writer.writeByte(UInt8(ascii: "{"))
        writer.writeKey("uuid")
        writer.writeString(row.uuid)
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("event")
        writer.writeString(row.event)
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("distinct_id")
        writer.writeString(row.distinctId)
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("timestamp")
        writer.writeString(row.timestamp.iso8601)
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("properties")
        if let json = row.propertiesJSON {
            writer.writeRaw(json)
        } else {
            writer.writeObject(row.properties)
        }
        writer.writeByte(UInt8(ascii: "}"))
        writer.writeByte(UInt8(ascii: "\n"))
        out.append(contentsOf: writer.bytes)
    }

    static func appendCSV(_ row: ExportRow, to out: inout [UInt8]) {
        appendCell(row.uuid, to: &out)
        out.append(UInt8(ascii: ","))
        appendCell(row.event, to: &out)
        out.append(UInt8(ascii: ","))
        appendCell(row.distinctId, to: &out)
        out.append(UInt8(ascii: ","))
        appendCell(row.timestamp.iso8601, to: &out)
        out.append(UInt8(ascii: ","))
        let properties = row.propertiesJSON.map { String(decoding: $0, as: UTF8.self) } ?? JSONWriter.string(.object(row.properties), sortedKeys: true)
        appendCell(properties, to: &out, alwaysQuote: true)
        out.append(UInt8(ascii: "\n"))
    }

    /// RFC 4180: quoted when it holds a comma, quote, CR or LF (or always), quotes doubled.
    static func appendCell(_ text: String, to out: inout [UInt8], alwaysQuote: Bool = false) {
        let utf8 = text.utf8
        let needsQuotes = alwaysQuote || utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            out.append(contentsOf: utf8)
            return
        }
        out.append(UInt8(ascii: "\""))
        for byte in utf8 {
            if byte == UInt8(ascii: "\"") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }
}
