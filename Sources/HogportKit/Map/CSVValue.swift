public import PostHogCore
import PostHogKit

/// How a CSV cell becomes a JSON value.
public enum CSVValueType: String, Sendable, Codable, CaseIterable {
    /// `true`/`false` become booleans, numbers that read back exactly become numbers, the rest
    /// strings (so `01234` and `1e5` stay strings).
    case auto
    case string
    case number
    case integer
    case boolean
    /// The cell holds JSON text (an object, an array, …).
    case json

    /// Converts `text`; nil for an empty cell (omitted), or throws when the cell does not fit.
    public func convert(_ text: String) throws(MappingError) -> JSONValue? {
        if text.isEmpty { return nil }
        switch self {
        case .string: return .string(text)
        case .auto: return Self.infer(text)
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes", "t": return .bool(true)
            case "false", "0", "no", "f": return .bool(false)
            default: throw MappingError("'\(text)' is not a boolean")
            }
        case .integer:
            guard let i = Int64(text) else { throw MappingError("'\(text)' is not an integer") }
            return .int(i)
        case .number:
            if let i = Int64(text) { return .int(i) }
            guard let d = Double(text), d.isFinite else { throw MappingError("'\(text)' is not a number") }
            return .double(d)
        case .json:
            do {
                return try JSONParser.parse(text)
            } catch {
                throw MappingError("not JSON: \(error.reason)")
            }
        }
    }

    /// The `auto` rule: booleans by name, numbers only when their text round-trips exactly.
    public static func infer(_ text: String) -> JSONValue {
        switch text {
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: break
        }
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else {
            return .string(text)
        }
        if let i = Int64(text), String(i) == text { return .int(i) }
        if let d = Double(text), d.isFinite, d.description == text { return .double(d) }
        return .string(text)
    }
}
