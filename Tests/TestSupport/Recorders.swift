import PostHogCore
public import PostHogKit
import Synchronization

/// A `sleep` replacement that returns at once and records what was asked for.
public final class SleepRecorder: Sendable {
    private let storage = Mutex<[Duration]>([])

    public init() {}

    /// Every requested duration, in order.
    public var durations: [Duration] { storage.withLock { $0 } }

    /// The closure to hand to `BatchSender.sleep` or `PostHogConfiguration.sleep`.
    public var sleep: @Sendable (Duration) async throws -> Void {
        { [self] duration in
            storage.withLock { $0.append(duration) }
            try Task.checkCancellation()
            await Task.yield()
        }
    }
}

/// Collects the errors a client reports through `onError`.
public final class ErrorRecorder: Sendable {
    private let storage = Mutex<[PostHogError]>([])

    public init() {}

    /// Every error reported so far, in order.
    public var errors: [PostHogError] { storage.withLock { $0 } }

    /// The errors of one kind.
    public func errors(_ kind: PostHogError.Kind) -> [PostHogError] { errors.filter { $0.kind == kind } }

    /// The closure to hand to `PostHogConfiguration.onError`.
    public var handler: @Sendable (PostHogError) -> Void {
        { [self] error in storage.withLock { $0.append(error) } }
    }
}

/// A one-way gate: tasks that `wait()` suspend until someone calls `open()`.
public final class AsyncGate: Sendable {
    private struct State {
        var isOpen = false
        var waiting = 0
        var continuations: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init(open: Bool = false) {
        state.withLock { $0.isOpen = open }
    }

    /// How many tasks are suspended at the gate right now.
    public var waiting: Int { state.withLock { $0.waiting } }

    /// Suspends until the gate is open.
    public func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.isOpen { return true }
                s.waiting += 1
                s.continuations.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Opens the gate for good and lets every waiting task through.
    public func open() {
        let continuations = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.isOpen = true
            s.waiting = 0
            defer { s.continuations = [] }
            return s.continuations
        }
        for continuation in continuations { continuation.resume() }
    }
}
