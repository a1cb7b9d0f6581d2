/// A fast JSON parser over UTF-8 bytes that produces ``JSONValue``.
///
/// It accepts exactly RFC 8259 JSON (one value, optional surrounding white space) and reports the
/// byte offset of the first problem. It is the hot path of every import: one call per line.
///
/// ```swift
/// let value = try JSONParser.parse(Array(#"{"event":"signup"}"#.utf8))
/// ```
public enum JSONParser {
    /// The deepest nesting accepted; deeper input is an error rather than a stack overflow.
    public static let maximumDepth = 512

    /// Parses one JSON value from `bytes`.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Self.parseResult(buffer)
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { Self.parseResult($0) }.get()
    }

    /// Parses one JSON value from a string.
    public static func parse(_ string: String) throws(JSONParseError) -> JSONValue {
        var string = string
        let result = string.withUTF8 { Self.parseResult($0) }
        return try result.get()
    }

    /// Parses one JSON value from a raw buffer.
    public static func parse(buffer: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        try parseResult(buffer).get()
    }

    private static func parseResult(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        var cursor = JSONCursor(buffer: buffer)
        do throws(JSONParseError) {
            cursor.skipWhitespace()
            let value = try cursor.parseValue(depth: 0)
            cursor.skipWhitespace()
            if cursor.index != buffer.count {
                throw JSONParseError(offset: cursor.index, reason: "unexpected data after the JSON value")
            }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }
}
