import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive advisory lock (`flock`) on a job's lock file, held for a whole run so two runs
/// never work on one checkpoint. The holder writes its pid into the file; the lock dies with its
/// process, so a crashed run never blocks the next.
public final class RunLock: Sendable {
    /// Why the lock was not taken.
    public enum Failure: Error, Sendable {
        /// Another process holds it (its pid, when the file names one).
        case held(pid: Int32?)
        /// The lock file could not be opened or locked.
        case unavailable(String)
    }

    public let path: String
    private let fd: Int32

    /// Takes the lock on `path` (created if missing) without waiting.
    public init(path: String) throws(Failure) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .unavailable("cannot open the lock file \(path): \(String(cString: strerror(errno)))") }
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = Self.readPid(fd)
            // A lock this process released a moment ago can live on for a few milliseconds in a
            // child it is spawning (fork copies the descriptor until exec closes it): wait that out.
            if code == EWOULDBLOCK && holder == getpid() && attempts < 100 {
                attempts += 1
                usleep(20_000)
                continue
            }
            close(fd)
            if code == EWOULDBLOCK { throw .held(pid: holder) }
            throw .unavailable("cannot lock \(path): \(String(cString: strerror(code)))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.path = path
        self.fd = fd
    }

    private static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 32, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Releases the lock.
    public func release() {
        close(fd)
    }

    /// A sentence for a refused lock: what holds it and the ways on.
    public static func heldMessage(job: String, checkpoint: String, pid: Int32?) -> String {
        let holder = pid.map { "process \($0)" } ?? "another process"
        return "another \(job) is running on the checkpoint \(checkpoint) (held by \(holder)); wait for it to finish, or use another --checkpoint"
    }
}
