/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
///
/// Tests use it instead of fixed sleeps: it returns as soon as the condition is true.
@discardableResult
public func eventually(
    timeout: Duration = .seconds(30),
    interval: Duration = .milliseconds(5),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try await condition() { return true }
        if clock.now >= deadline { return false }
        try? await Task.sleep(for: interval)
    }
}
