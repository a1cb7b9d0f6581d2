import CZlib

// zlib keeps a back-pointer to its z_stream and refuses one that has moved (Z_STREAM_ERROR), and
// Swift may move a struct stored in a property. So each stream lives in heap memory owned by a
// final class that ends it in deinit. All of this module's unsafe zlib code is in this file.

/// Gzip helpers for whole buffers.
public enum Gzip {
    /// The two magic bytes every gzip member starts with.
    public static let magic: (UInt8, UInt8) = (0x1F, 0x8B)

    /// Whether `bytes` starts like a gzip stream.
    public static func hasMagic(_ bytes: some Collection<UInt8>) -> Bool {
        var it = bytes.makeIterator()
        return it.next() == magic.0 && it.next() == magic.1
    }

    /// Compresses `bytes` into one gzip member.
    /// - Parameter level: 1 (fastest, the default; 4-5x smaller for event JSON) to 9.
    public static func compress(_ bytes: [UInt8], level: Int32 = 1) throws(GzipError) -> [UInt8] {
        let deflater = try Deflater(level: level)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 4 + 64)
        try deflater.compress(bytes, finish: true, into: &out)
        return out
    }

    /// Decompresses a whole gzip (or zlib) stream, including concatenated gzip members.
    /// - Parameter limit: the most output bytes accepted; more is an error (a gzip bomb guard).
    public static func decompress(_ bytes: [UInt8], limit: Int = Int.max) throws(GzipError) -> [UInt8] {
        let inflater = try Inflater()
        var out: [UInt8] = []
        out.reserveCapacity(min(limit, bytes.count * 4))
        try inflater.decompress(bytes, into: &out, limit: limit)
        if !inflater.isAtMemberEnd {
            throw GzipError(code: Z_BUF_ERROR, message: "truncated gzip stream", inputOffset: inflater.totalIn)
        }
        return out
    }
}

/// A streaming gzip compressor.
public final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    public init(level: Int32 = 1) throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = czlib_deflate_init_gzip(stream, level)
        guard status == Z_OK else {
            stream.deallocate()
            throw GzipError(code: status, message: "deflateInit2 failed")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `input`, appending output to `output`; `finish` ends the gzip member and resets.
    public func compress(_ input: [UInt8], finish: Bool, into output: inout [UInt8]) throws(GzipError) {
        var status: Int32 = Z_OK
        input.withUnsafeBufferPointer { inBuf in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.pointee.avail_in = UInt32(inBuf.count)
            chunk.withUnsafeMutableBufferPointer { outBuf in
                repeat {
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = UInt32(outBuf.count)
                    status = deflate(stream, finish ? Z_FINISH : Z_NO_FLUSH)
                    let produced = outBuf.count - Int(stream.pointee.avail_out)
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: outBuf[0..<produced]))
                } while status == Z_OK && (stream.pointee.avail_out == 0 || (finish && status != Z_STREAM_END))
            }
            stream.pointee.next_in = nil
        }
        if status == Z_STREAM_ERROR {
            throw GzipError(code: status, message: "deflate failed")
        }
        if finish {
            deflateReset(stream)
        }
    }
}

/// A streaming gzip decompressor that reads concatenated members as one stream.
public final class Inflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    private var started = false
    /// Whether the input so far ends exactly at the end of a gzip member.
    public private(set) var isAtMemberEnd = true
    /// Input bytes consumed so far, across members.
    public private(set) var totalIn = 0

    public init() throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = czlib_inflate_init_auto(stream)
        guard status == Z_OK else {
            stream.deallocate()
            throw GzipError(code: status, message: "inflateInit2 failed")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Decompresses `input`, appending what it yields to `output`.
    ///
    /// Call repeatedly with consecutive pieces of the stream; check ``isAtMemberEnd`` after the last
    /// piece to tell a complete stream from a truncated one.
    public func decompress(_ input: [UInt8], into output: inout [UInt8], limit: Int = Int.max) throws(GzipError) {
        try input.withUnsafeBufferPointer { (inBuf) throws(GzipError) in
            try decompress(buffer: inBuf, into: &output, limit: limit)
        }
    }

    /// Decompresses a raw buffer, appending what it yields to `output`.
    public func decompress(buffer inBuf: UnsafeBufferPointer<UInt8>, into output: inout [UInt8], limit: Int = Int.max) throws(GzipError) {
        guard inBuf.count > 0 else { return }
        var offset = 0
        var failure: GzipError?
        chunk.withUnsafeMutableBufferPointer { outBuf in
            while offset < inBuf.count {
                // Trailing zero padding after a member (seen in some archives) is not a new member.
                if isAtMemberEnd && started && inBuf[offset] != 0x1F {
                    if inBuf[offset...].allSatisfy({ $0 == 0 }) {
                        totalIn += inBuf.count - offset
                        offset = inBuf.count
                        return
                    }
                    failure = GzipError(code: Z_DATA_ERROR, message: "unexpected data after the gzip stream", inputOffset: totalIn)
                    return
                }
                started = true
                isAtMemberEnd = false
                stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress! + offset)
                stream.pointee.avail_in = UInt32(inBuf.count - offset)
                var status: Int32 = Z_OK
                repeat {
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = UInt32(outBuf.count)
                    status = inflate(stream, Z_NO_FLUSH)
                    let produced = outBuf.count - Int(stream.pointee.avail_out)
                    if output.count + produced > limit {
                        failure = GzipError(code: Z_BUF_ERROR, message: "decompressed data exceeds \(limit) bytes", inputOffset: totalIn)
                        return
                    }
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: outBuf[0..<produced]))
                } while status == Z_OK && stream.pointee.avail_in > 0 || (status == Z_OK && stream.pointee.avail_out == 0)
                let consumed = (inBuf.count - offset) - Int(stream.pointee.avail_in)
                offset += consumed
                totalIn += consumed
                stream.pointee.next_in = nil
                switch status {
                case Z_STREAM_END:
                    isAtMemberEnd = true
                    inflateReset(stream)
                case Z_OK, Z_BUF_ERROR:
                    if stream.pointee.avail_in == 0 { return }
                default:
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? "inflate failed (\(status))"
                    failure = GzipError(code: status, message: message, inputOffset: totalIn)
                    return
                }
            }
        }
        if let failure { throw failure }
    }
}
