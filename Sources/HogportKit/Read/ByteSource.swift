#if canImport(Glibc)
    import Glibc
#endif
import PostHogKit
import PostHogCore

/// Why input could not be read: the file, and where.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public var file: String
    /// The byte offset (of the decompressed stream for gzip input) where the problem is.
    public var offset: Int64
    public var reason: String

    public init(file: String, offset: Int64, reason: String) {
        self.file = file
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(file): at byte \(offset): \(reason)" }
}

/// A sequential source of bytes: a file, standard input, or a decompressing wrapper.
public protocol ByteSource {
    /// Appends up to `count` bytes to `buffer`; returns how many (0 at the end).
    mutating func read(into buffer: inout [UInt8], count: Int) throws(InputError) -> Int
    /// Bytes of the underlying file consumed so far (compressed bytes for gzip input).
    var rawOffset: Int64 { get }
}

/// Reads a file descriptor with plain `read(2)` calls.
public final class FileByteSource: ByteSource {
    private let fd: Int32
    private let ownsDescriptor: Bool
    public let name: String
    public private(set) var rawOffset: Int64 = 0
    private var chunk: [UInt8]

    /// Opens `path` for reading; `-` means standard input.
    public init(path: String, chunkSize: Int = 256 * 1024) throws(InputError) {
        if path == "-" {
            fd = 0
            ownsDescriptor = false
            name = "stdin"
        } else {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else {
                throw InputError(file: path, offset: 0, reason: "cannot open: \(String(cString: strerror(errno)))")
            }
            fd = opened
            ownsDescriptor = true
            name = path
        }
        chunk = [UInt8](repeating: 0, count: chunkSize)
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    public func read(into buffer: inout [UInt8], count: Int) throws(InputError) -> Int {
        let want = min(count, chunk.count)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(file: name, offset: rawOffset, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            buffer.append(contentsOf: chunk[0..<n])
            rawOffset += Int64(n)
            return n
        }
    }
}

/// Decompresses a gzip stream (several concatenated members included) from another source.
public struct GzipByteSource<Base: ByteSource>: ByteSource {
    private var base: Base
    private let inflater: Inflater
    private var compressed: [UInt8] = []
    private var finished = false
    private let name: String
    private var produced: Int64 = 0

    public init(base: Base, name: String) throws(InputError) {
        self.base = base
        self.name = name
        do {
            inflater = try Inflater()
        } catch {
            throw InputError(file: name, offset: 0, reason: error.message)
        }
    }

    public var rawOffset: Int64 { base.rawOffset }

    public mutating func read(into buffer: inout [UInt8], count: Int) throws(InputError) -> Int {
        while !finished {
            compressed.removeAll(keepingCapacity: true)
            let n = try base.read(into: &compressed, count: 256 * 1024)
            if n == 0 {
                finished = true
                if !inflater.isAtMemberEnd {
                    throw InputError(file: name, offset: produced, reason: "truncated gzip data (the file ends inside a compressed member)")
                }
                return 0
            }
            let before = buffer.count
            do {
                try inflater.decompress(compressed, into: &buffer)
            } catch {
                throw InputError(file: name, offset: produced, reason: "corrupt gzip data: \(error.message)")
            }
            let got = buffer.count - before
            produced += Int64(got)
            if got > 0 { return got }
        }
        return 0
    }
}
