import Dispatch
#if canImport(Glibc)
    import Glibc
#endif

/// Waits for a termination signal (SIGINT, SIGTERM) without killing the process, so a command can
/// stop cleanly: save its checkpoint, stop its server.
public enum SignalWaiter {
    /// Suspends until one of `signals` arrives and returns it; returns nil when the waiting task
    /// is cancelled first (the signals' default actions are restored either way).
    public static func wait(for signals: [Int32] = [2, 15]) async -> Int32? {
        let queue = DispatchQueue(label: "hogport.signals")
        let box = SourceBox()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
                queue.sync {
                    box.continuation = continuation
                    if box.cancelled {
                        box.finish(nil, signals: signals)
                        return
                    }
                    for sig in signals {
                        signal(sig, SIG_IGN)
                        let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                        source.setEventHandler { box.finish(sig, signals: signals) }
                        box.sources.append(source)
                        source.resume()
                    }
                }
            }
        } onCancel: {
            queue.async {
                box.cancelled = true
                box.finish(nil, signals: signals)
            }
        }
    }
}

// Touched only on the signal queue, hence unchecked.
private final class SourceBox: @unchecked Sendable {
    var sources: [any DispatchSourceSignal] = []
    var continuation: CheckedContinuation<Int32?, Never>?
    var cancelled = false

    /// Resumes the waiter once: stops watching and restores the signals' default actions.
    func finish(_ signal: Int32?, signals: [Int32]) {
        guard let continuation else { return }
        self.continuation = nil
        for source in sources { source.cancel() }
        sources.removeAll()
        for s in signals { Glibc.signal(s, SIG_DFL) }
        continuation.resume(returning: signal)
    }
}
