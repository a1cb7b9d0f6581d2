import Foundation
import PostHogKit
import PostHogCore

/// Writes one output file: rows go to a hidden temporary name in the output directory
/// (`.events-….tmp`), gzip-compressed when asked, with a running SHA-1 of the bytes on disk;
/// ``publish()`` flushes, syncs and renames it to its final name, so a reader (or a crash) never
/// sees a torn file under a final name.
public final class DayFileWriter {
    public let day: Int64
    public let part: Int
    public let name: String
    public let directory: String
    let format: ExportFormat
    let temporaryPath: String
    let finalPath: String
    private var handle: FileHandle?
    private let deflater: Deflater?
    private var pending: [UInt8] = []
    private var hash = SHA1()
    private(set) public var rows = 0
    private(set) public var bytesWritten = 0
    private(set) public var first: ExportCursor?
    private(set) public var last: ExportCursor?

    static let flushThreshold = 1 << 20

    public init(directory: String, day: Int64, part: Int, format: ExportFormat, gzip: Bool) throws(ExportError) {
        self.day = day
        self.part = part
        self.directory = directory
        self.format = format
        name = ExportFileName.name(day: day, part: part, format: format, gzip: gzip)
        temporaryPath = (directory as NSString).appendingPathComponent(ExportFileName.temporary(name))
        finalPath = (directory as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: temporaryPath, contents: nil), let handle = FileHandle(forWritingAtPath: temporaryPath) else {
            throw ExportError(.outputUnwritable, "cannot create \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        self.handle = handle
        do {
            deflater = gzip ? try Deflater(level: 6) : nil
        } catch {
            throw ExportError(.outputUnwritable, "cannot start gzip: \(error)")
        }
        if format == .csv { pending.append(contentsOf: ExportRowEncoder.csvHeader) }
    }

    deinit {
        // An unpublished file is abandoned: its rows were never committed.
        if let handle {
            try? handle.close()
            unlink(temporaryPath)
        }
    }

    /// Adds one row.
    public func append(_ row: ExportRow) throws(ExportError) {
        ExportRowEncoder.append(row, format: format, to: &pending)
        rows += 1
        if first == nil { first = row.cursor }
        last = row.cursor
        if pending.count >= Self.flushThreshold { try flush(finish: false) }
    }

    func flush(finish: Bool) throws(ExportError) {
        var output: [UInt8]
        if let deflater {
            output = []
            output.reserveCapacity(pending.count / 4 + 64)
            do {
                try deflater.compress(pending, finish: finish, into: &output)
            } catch {
                throw ExportError(.outputUnwritable, "gzip failed for \(name): \(error)")
            }
        } else {
            output = pending
        }
        pending.removeAll(keepingCapacity: true)
        guard !output.isEmpty, let handle else { return }
        do {
            try handle.write(contentsOf: output)
        } catch {
            throw ExportError(.outputUnwritable, "cannot write \(temporaryPath): \(error.localizedDescription)")
        }
        hash.update(output)
        bytesWritten += output.count
    }

    /// What a published file holds.
    public struct Published: Sendable, Equatable {
        public var name: String
        public var day: Int64
        public var part: Int
        public var rows: Int
        public var bytes: Int
        public var sha1: String
        public var first: ExportCursor?
        public var last: ExportCursor?
    }

    /// Finishes the file and renames it to its final name (replacing a file of that name that an
    /// interrupted run published without committing it).
    public func publish() throws(ExportError) -> Published {
        try flush(finish: true)
        guard let handle else { throw ExportError(.outputUnwritable, "\(name) was already published") }
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw ExportError(.outputUnwritable, "cannot sync \(temporaryPath): \(error.localizedDescription)")
        }
        self.handle = nil
        guard rename(temporaryPath, finalPath) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw ExportError(.outputUnwritable, "cannot rename \(temporaryPath) to \(finalPath): \(message)")
        }
        Self.syncDirectory(directory)
        let digest = SHA1.hex(hash.finalize())
        return Published(name: name, day: day, part: part, rows: rows, bytes: bytesWritten, sha1: digest, first: first, last: last)
    }

    /// Makes a rename durable (best effort).
    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
