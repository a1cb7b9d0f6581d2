import Synchronization

/// The running import's progress, shared between the coordinator (which writes it) and the
/// progress reporter (which reads it from another task).
final class LiveProgress: Sendable {
    private let state = Mutex(ImportProgress())

    /// A copy of the progress now.
    var snapshot: ImportProgress { state.withLock { $0 } }

    /// Changes the progress.
    func withLock<T: Sendable>(_ body: (inout ImportProgress) -> T) -> T {
        state.withLock { body(&$0) }
    }
}
