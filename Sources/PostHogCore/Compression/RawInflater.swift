import CZlib

// Like Gzip.swift, this keeps its z_stream in heap memory owned by the class (zlib refuses a
// moved stream).

/// A streaming decompressor for one raw deflate stream (no gzip or zlib header), as stored in zip
/// entries of method 8.
public final class RawInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    /// Whether the deflate stream has ended.
    public private(set) var isFinished = false

    public init() throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = czlib_inflate_init_raw(stream)
        guard status == Z_OK else {
            stream.deallocate()
            throw GzipError(code: status, message: "inflateInit2 (raw) failed")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Decompresses the next piece of the stream, appending what it yields to `output`. Bytes
    /// after the end of the stream are ignored.
    public func decompress(_ input: ArraySlice<UInt8>, into output: inout [UInt8]) throws(GzipError) {
        guard !isFinished, !input.isEmpty else { return }
        var failure: GzipError?
        input.withUnsafeBufferPointer { inBuf in
            chunk.withUnsafeMutableBufferPointer { outBuf in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.pointee.avail_in = UInt32(inBuf.count)
                repeat {
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = UInt32(outBuf.count)
                    let status = inflate(stream, Z_NO_FLUSH)
                    let produced = outBuf.count - Int(stream.pointee.avail_out)
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: outBuf[0..<produced]))
                    if status == Z_STREAM_END {
                        isFinished = true
                        break
                    }
                    if status != Z_OK && status != Z_BUF_ERROR {
                        let message = stream.pointee.msg.map { String(cString: $0) } ?? "inflate failed (\(status))"
                        failure = GzipError(code: status, message: message, inputOffset: Int(stream.pointee.total_in))
                        break
                    }
                    if status == Z_BUF_ERROR && stream.pointee.avail_out != 0 { break }
                } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
                stream.pointee.next_in = nil
            }
        }
        if let failure { throw failure }
    }
}
