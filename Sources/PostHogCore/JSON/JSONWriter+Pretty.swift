extension JSONWriter {
    /// Encodes `value` as indented JSON with sorted keys and a final newline: stable, diff-friendly
    /// text for files people keep under version control.
    public static func pretty(_ value: JSONValue, indent: Int = 2) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024, sortedKeys: true)
        writer.writePretty(value, level: 0, indent: indent)
        writer.writeByte(UInt8(ascii: "\n"))
        return writer.bytes
    }

    mutating func writePretty(_ value: JSONValue, level: Int, indent: Int) {
        func newline(_ level: Int) {
            bytes.append(UInt8(ascii: "\n"))
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * indent))
        }
        switch value {
        case .array(let elements) where !elements.isEmpty:
            bytes.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(level + 1)
                writePretty(element, level: level + 1, indent: indent)
            }
            newline(level)
            bytes.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            bytes.append(UInt8(ascii: "{"))
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(level + 1)
                writeString(key)
                bytes.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
                writePretty(members[key] ?? .null, level: level + 1, indent: indent)
            }
            newline(level)
            bytes.append(UInt8(ascii: "}"))
        default:
            write(value)
        }
    }
}
