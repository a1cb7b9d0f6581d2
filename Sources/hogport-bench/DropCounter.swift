import Synchronization

/// Sums the event counts a client reports through `onError`.
final class DropCounter: Sendable {
    private let total = Mutex(0)
    var value: Int { total.withLock { $0 } }
    func add(_ count: Int) { total.withLock { $0 += count } }
}
