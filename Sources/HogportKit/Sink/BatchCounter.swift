/// Counts the events of a capture body without parsing them: the elements of the top-level
/// `batch` array (1 for a single-event body without one). For the count-only sink, which must
/// cost its sender's machine as little as possible.
enum BatchCounter {
    static func count(_ body: [UInt8]) -> Int {
        var depth = 0
        var inString = false
        var escaped = false
        var count = 0
        var inBatch = false
        var sawElement = false
        var lastKey: ArraySlice<UInt8> = []
        var keyStart = -1
        for (i, byte) in body.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 1 && keyStart >= 0 { lastKey = body[keyStart..<i] }
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                keyStart = i + 1
                if inBatch && depth == 2 { sawElement = true }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 1 && byte == UInt8(ascii: "[") && lastKey.elementsEqual("batch".utf8) { inBatch = true }
                if inBatch && depth == 2 { sawElement = true }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if inBatch && depth == 1 {
                    if sawElement { count += 1 }
                    return count
                }
            case UInt8(ascii: ","):
                if inBatch && depth == 2 && sawElement {
                    count += 1
                    sawElement = false
                }
            default:
                if inBatch && depth == 2 && byte > 0x20 { sawElement = true }
            }
        }
        return inBatch ? count : 1
    }
}
