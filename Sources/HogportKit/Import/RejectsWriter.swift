import Foundation
import PostHogKit
import PostHogCore

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

    /// Whether this writer created the file (so it may remove it again when nothing was written).
    private var created = false

    /// Opens the file for appending (created with mode 0600: rejected rows are raw input), so an
    /// unwritable path is found before the first request rather than at the first reject.
    public func prepare() throws(ImportError) {
        guard handle == nil else { return }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        if !FileManager.default.fileExists(atPath: path) {
            created = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        guard let opened = FileHandle(forWritingAtPath: path) else {
            throw ImportError(
                .outputUnwritable, "cannot write the rejects file \(path): check that its folder exists and is writable, or choose another --rejects")
        }
        _ = try? opened.seekToEnd()
        handle = opened
    }

    /// Removes the file when this writer created it and wrote nothing to it.
    public func removeIfUnused() {
        guard created, count == 0 else { return }
        try? handle?.close()
        handle = nil
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes buffered lines to disk (called before every checkpoint commit).
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        if handle == nil { try prepare() }
        try handle?.write(contentsOf: buffer)
        try handle?.synchronize()
        buffer.removeAll(keepingCapacity: true)
    }

    deinit {
        try? flush()
        try? handle?.close()
    }
}
