/// Counts the events of a capture body without parsing them: the elements of the top-level
/// `batch` array (1 for a single-event body without one). For the count-only sink, which must
/// cost its sender's machine as little as possible: strings, most of a body, are skipped in a
/// tight loop that looks only for their end.
enum BatchCounter {
    static func count(_ body: [UInt8]) -> Int {
        body.withUnsafeBufferPointer { count(in: $0) }
    }

    private static let quote = UInt8(ascii: "\"")

    static func count(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var depth = 0
        var count = 0
        var inBatch = false
        var sawElement = false
        var lastKey = 0..<0
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case quote:
                if inBatch && depth == 2 { sawElement = true }
                let start = i + 1
                i = endOfString(bytes, from: start)
                if depth == 1 { lastKey = start..<i }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 1 && byte == UInt8(ascii: "[") && isBatch(bytes, lastKey) { inBatch = true }
                if inBatch && depth == 2 { sawElement = true }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if inBatch && depth == 1 { return sawElement ? count + 1 : count }
            case UInt8(ascii: ","):
                if inBatch && depth == 2 && sawElement {
                    count += 1
                    sawElement = false
                }
            default:
                if inBatch && depth == 2 && byte > 0x20 { sawElement = true }
            }
            i += 1
        }
        return inBatch ? count : 1
    }

    /// The index of the quote that closes the string starting at `from` (the end when none does).
    private static func endOfString(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        var i = from
        while i < bytes.count {
            let byte = bytes[i]
            if byte == quote { return i }
            i += byte == UInt8(ascii: "\\") ? 2 : 1
        }
        return bytes.count
    }

    private static func isBatch(_ bytes: UnsafeBufferPointer<UInt8>, _ key: Range<Int>) -> Bool {
        key.count == 5 && bytes[key].elementsEqual("batch".utf8)
    }
}
