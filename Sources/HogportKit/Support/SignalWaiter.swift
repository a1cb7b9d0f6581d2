import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Waits for a termination signal (SIGINT, SIGTERM) without killing the process, so a command can
/// stop cleanly: save its checkpoint, stop its server.
public enum SignalWaiter {
    /// Suspends until one of `signals` arrives; returns it.
    public static func wait(for signals: [Int32] = [2, 15]) async -> Int32 {
        await withCheckedContinuation { continuation in
            let queue = DispatchQueue(label: "hogport.signals")
            let box = SourceBox()
            queue.sync {
                for sig in signals {
                    signal(sig, SIG_IGN)
                    let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                    source.setEventHandler {
                        guard !box.fired else { return }
                        box.fired = true
                        for s in box.sources { s.cancel() }
                        for s in signals { signal(s, SIG_DFL) }
                        continuation.resume(returning: sig)
                    }
                    box.sources.append(source)
                    source.resume()
                }
            }
        }
    }
}

// Touched only on the signal queue (set-up runs there synchronously), hence unchecked.
private final class SourceBox: @unchecked Sendable {
    var sources: [any DispatchSourceSignal] = []
    var fired = false
}
