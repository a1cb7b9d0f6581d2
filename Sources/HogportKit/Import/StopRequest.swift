import Synchronization

/// A stop asked of a running import from another task (a signal handler): set once, read by the
/// coordinator between steps.
final class StopRequest: Sendable {
    private let flag = Mutex(false)

    /// Asks the run to stop.
    func request() { flag.withLock { $0 = true } }

    /// Whether a stop was asked.
    var isRequested: Bool { flag.withLock { $0 } }
}
