import Foundation
import PostHogCore
public import PostHogKit

/// Appends rejected rows to an NDJSON file: `{"file","line","byte_offset","reason","raw"}`.
///
/// Rows are written before their position is committed, so a crash can at worst repeat a few
/// reject lines on resume, never lose one.
public final class RejectsWriter {
    public let path: String
    private var handle: FileHandle?
    private var buffer: [UInt8] = []
    public private(set) var count = 0

    public init(path: String) {
        self.path = path
    }

    /// Records one rejected row.
    public func write(file: String, line: Int, offset: Int64?, reason: String, raw: some Collection<UInt8>) throws {
        var writer = JSONWriter(capacity: 256 + raw.count)
        writer.writeByte(UInt8(ascii: "{"))
        writer.writeKey("file")
        writer.writeString(file)
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("line")
        writer.writeInt(Int64(line))
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("byte_offset")
        if let offset { writer.writeInt(offset) } else { writer.writeRaw("null".utf8) }
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("reason")
        writer.writeString(reason)
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("raw")
        writer.writeString(String(decoding: raw, as: UTF8.self))
        writer.writeByte(UInt8(ascii: "}"))
        writer.writeByte(UInt8(ascii: "\n"))
        buffer.append(contentsOf: writer.bytes)
        count += 1
        if buffer.count > 256 * 1024 { try flush() }
    }

    /// Writes buffered lines to disk (called before every checkpoint commit).
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        if handle == nil {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
            guard let opened = FileHandle(forWritingAtPath: path) else {
                throw ImportError(.unreadableInput, "cannot write the rejects file \(path)")
            }
            try opened.seekToEnd()
            handle = opened
        }
        try handle?.write(contentsOf: buffer)
        try handle?.synchronize()
        buffer.removeAll(keepingCapacity: true)
    }

    deinit {
        try? flush()
        try? handle?.close()
    }
}
