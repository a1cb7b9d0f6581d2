import Synchronization

/// A thread-safe counter for failures reported through callbacks.
final class FailureCounter: Sendable {
    private let count = Mutex(0)
    private let authentication = Mutex(false)
    func add(_ n: Int) { count.withLock { $0 += n } }
    var value: Int { count.withLock { $0 } }
    /// Marks that the server refused the key.
    func markAuthentication() { authentication.withLock { $0 = true } }
    var sawAuthentication: Bool { authentication.withLock { $0 } }
}
