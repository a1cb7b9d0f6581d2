/// A source whose first bytes can be looked at before they are read (to sniff the format of
/// decompressed standard input, for example).
struct PeekableSource: ByteSource {
    var base: any ByteSource
    var head: [UInt8] = []
    var delivered = false

    var rawOffset: Int64 { base.rawOffset }

    mutating func peek(_ count: Int) throws(InputError) -> [UInt8] {
        while head.count < count {
            if try base.read(into: &head, count: count - head.count) == 0 { break }
        }
        return head
    }

    mutating func read(into buffer: inout [UInt8], count: Int) throws(InputError) -> Int {
        if !delivered && !head.isEmpty {
            delivered = true
            buffer.append(contentsOf: head)
            let n = head.count
            head = []
            return n
        }
        delivered = true
        return try base.read(into: &buffer, count: count)
    }
}
