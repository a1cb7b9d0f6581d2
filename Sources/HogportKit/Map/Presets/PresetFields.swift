import PostHogKit
import PostHogCore

/// Small readers the vendor presets share.
enum PresetFields {
    /// A non-empty string, or an integer as text (ids are sometimes numbers).
    static func id(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)? where !s.isEmpty: return s
        case .int(let i)?: return String(i)
        default: return nil
        }
    }

    /// The first of `candidates` that reads as a time, as ISO-8601 (UTC, microseconds), leniently:
    /// ISO-8601 or `YYYY-MM-DD HH:MM:SS[.ffffff]`, unpadded date and time parts (`2015-2-02`), or
    /// epoch numbers. The error names the fields looked at.
    static func time(_ row: [String: JSONValue], _ candidates: [String]) throws(MappingError) -> String {
        var firstProblem: String?
        for key in candidates {
            guard let value = row[key], !value.isNull else { continue }
            do throws(MappingError) {
                return try parse(value).iso8601
            } catch {
                firstProblem = firstProblem ?? "\(key): \(error.reason)"
            }
        }
        if let firstProblem { throw MappingError(firstProblem) }
        throw MappingError("missing timestamp (looked in \(candidates.joined(separator: ", ")))")
    }

    /// Reads a time value leniently (see ``time(_:_:)``).
    static func parse(_ value: JSONValue) throws(MappingError) -> Timestamp {
        if case .string(let text) = value, let padded = padded(text) {
            return try TimestampFormat.auto.parse(.string(padded))
        }
        return try TimestampFormat.auto.parse(value)
    }

    /// `text` with one-digit month, day, hour, minute and second fields padded to two digits, or
    /// nil when nothing needed padding.
    static func padded(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        // The date and time part ends at a fraction, a zone or the end.
        var end = 0
        while end < bytes.count, bytes[end] != UInt8(ascii: "."), bytes[end] != UInt8(ascii: "Z"), bytes[end] != UInt8(ascii: "+"),
            !(end > 10 && bytes[end] == UInt8(ascii: "-"))
        {
            end += 1
        }
        var out: [UInt8] = []
        var changed = false
        var fieldStart = 0
        var fieldIndex = 0
        func flush(_ upTo: Int) {
            let field = bytes[fieldStart..<upTo]
            // The year (field 0) is left alone; other one-digit fields get a leading zero.
            if fieldIndex > 0, field.count == 1, field.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                out.append(UInt8(ascii: "0"))
                changed = true
            }
            out.append(contentsOf: field)
        }
        for i in 0..<end {
            let b = bytes[i]
            if b == UInt8(ascii: "-") || b == UInt8(ascii: ":") || b == UInt8(ascii: "T") || b == UInt8(ascii: " ") {
                flush(i)
                out.append(b)
                fieldStart = i + 1
                fieldIndex += 1
            }
        }
        flush(end)
        out.append(contentsOf: bytes[end...])
        return changed ? String(decoding: out, as: UTF8.self) : nil
    }

    /// Moves `from` to `to` in `properties` when present (and `to` is not already set).
    static func move(_ properties: inout [String: JSONValue], _ from: String, to: String) {
        guard let value = properties.removeValue(forKey: from), !value.isNull else { return }
        if properties[to] == nil { properties[to] = value }
    }

    /// Copies `value` to `properties[key]` when it is present and `key` is not already set.
    static func put(_ properties: inout [String: JSONValue], _ key: String, _ value: JSONValue?) {
        guard let value, !value.isNull, properties[key] == nil else { return }
        if case .string(let s) = value, s.isEmpty { return }
        properties[key] = value
    }
}
