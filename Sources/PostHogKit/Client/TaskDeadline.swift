import Synchronization

/// Waits for a task until a deadline, in unstructured tasks, so the wait also works from a
/// cancelled caller (a service group cancelling `run()` still gets its bounded flush).
enum TaskDeadline {
    /// Whether `task` finished before `deadline`.
    static func wait(for task: Task<Void, Never>, until deadline: ContinuousClock.Instant) async -> Bool {
        let slot = Slot()
        var timer: Task<Void, Never>?
        let finished = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            slot.set(continuation)
            Task {
                await task.value
                slot.finish(true)
            }
            timer = Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                slot.finish(false)
            }
        }
        timer?.cancel()
        return finished
    }

    /// A continuation resumed by whichever side finishes first.
    private final class Slot: Sendable {
        private let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)

        func set(_ value: CheckedContinuation<Bool, Never>) { continuation.withLock { $0 = value } }
        func finish(_ value: Bool) { continuation.withLock { $0.take() }?.resume(returning: value) }
    }
}
