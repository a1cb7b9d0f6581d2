import Synchronization

/// A thread-safe counter for failures reported through callbacks.
final class FailureCounter: Sendable {
    private let count = Mutex(0)
    func add(_ n: Int) { count.withLock { $0 += n } }
    var value: Int { count.withLock { $0 } }
}
