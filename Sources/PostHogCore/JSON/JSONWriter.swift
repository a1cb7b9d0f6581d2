/// Writes ``JSONValue``s and JSON fragments as compact UTF-8 into a growing byte buffer.
///
/// Output is valid RFC 8259 JSON: `/` is not escaped, non-ASCII text is written as UTF-8, and
/// doubles use the shortest text that reads back to the same value (`1.0` stays `1.0`).
///
/// ```swift
/// var writer = JSONWriter()
/// writer.write(["event": "signup"])
/// let bytes = writer.bytes
/// ```
public struct JSONWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]
    /// Whether object members are written in sorted key order (deterministic output).
    public var sortedKeys: Bool

    public init(capacity: Int = 256, sortedKeys: Bool = false) {
        bytes = []
        bytes.reserveCapacity(capacity)
        self.sortedKeys = sortedKeys
    }

    /// Encodes `value` as compact JSON bytes.
    public static func encode(_ value: JSONValue, sortedKeys: Bool = false) -> [UInt8] {
        var writer = JSONWriter(sortedKeys: sortedKeys)
        writer.write(value)
        return writer.bytes
    }

    /// Encodes `value` as a compact JSON string.
    public static func string(_ value: JSONValue, sortedKeys: Bool = false) -> String {
        String(decoding: encode(value, sortedKeys: sortedKeys), as: UTF8.self)
    }

    /// Empties the buffer, keeping its capacity.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends raw bytes that are already valid JSON.
    @inlinable
    public mutating func writeRaw(_ raw: some Sequence<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    /// Appends one ASCII byte such as `{`, `,` or `:`.
    @inlinable
    public mutating func writeByte(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends a JSON value.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: writeASCII("null")
        case .bool(let b): writeASCII(b ? "true" : "false")
        case .int(let i): writeInt(i)
        case .double(let d): writeDouble(d)
        case .number(let text): writeRaw(text.utf8)
        case .string(let s): writeString(s)
        case .array(let a):
            bytes.append(UInt8(ascii: "["))
            var first = true
            for element in a {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let o):
            writeObject(o)
        }
    }

    /// Appends an object.
    public mutating func writeObject(_ object: [String: JSONValue]) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        if sortedKeys {
            for key in object.keys.sorted() {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                write(object[key] ?? .null)
            }
        } else {
            for (key, value) in object {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                write(value)
            }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Appends `"key":` for an object member.
    public mutating func writeKey(_ key: String) {
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func writeASCII(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Appends an integer.
    public mutating func writeInt(_ value: Int64) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            while magnitude > 0 {
                raw[count] = UInt8(magnitude % 10) + 0x30
                magnitude /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(raw[i]) }
        }
    }

    /// Appends a double; non-finite values, which JSON cannot hold, become `null`.
    public mutating func writeDouble(_ value: Double) {
        guard value.isFinite else {
            writeASCII("null")
            return
        }
        // Swift's description is the shortest round-tripping form ("1.0", "0.1", "1e-07").
        bytes.append(contentsOf: value.description.utf8)
    }

    /// Appends a string with JSON escaping.
    public mutating func writeString(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            var i = 0
            let count = utf8.count
            while i < count {
                let byte = utf8[i]
                if byte >= 0x20 && byte != 0x22 && byte != 0x5C {
                    i += 1
                    continue
                }
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                switch byte {
                case 0x22:
                    bytes.append(0x5C)
                    bytes.append(0x22)
                case 0x5C:
                    bytes.append(0x5C)
                    bytes.append(0x5C)
                case 0x0A:
                    bytes.append(0x5C)
                    bytes.append(UInt8(ascii: "n"))
                case 0x0D:
                    bytes.append(0x5C)
                    bytes.append(UInt8(ascii: "r"))
                case 0x09:
                    bytes.append(0x5C)
                    bytes.append(UInt8(ascii: "t"))
                case 0x08:
                    bytes.append(0x5C)
                    bytes.append(UInt8(ascii: "b"))
                case 0x0C:
                    bytes.append(0x5C)
                    bytes.append(UInt8(ascii: "f"))
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
                i += 1
                runStart = i
            }
            if runStart < count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension JSONValue: CustomStringConvertible {
    /// The value as compact JSON with sorted keys.
    public var description: String { JSONWriter.string(self, sortedKeys: true) }
}
