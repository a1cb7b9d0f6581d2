import Foundation
import HogportKit
import Logging
import PostHogCore
import PostHogKit
import ServiceLifecycle
import Testing
import TestSupport

@Suite("Lifecycle: ServiceLifecycle, lazy start, bounded shutdown, disabled mode")
struct LifecycleTests {
    @Test("Creating a client starts nothing: no request, not even for flag definitions, until it is used")
    func initStartsNothing() async throws {
        let transport = ScriptedTransport()
        var configuration = scriptedConfiguration(transport)
        configuration.personalApiKey = "phx_test"
        configuration.flushInterval = .milliseconds(10)
        let client = PostHogClient(configuration: configuration)
        try await Task.sleep(for: .milliseconds(100))
        #expect(transport.requestCount == 0)
        await client.shutdown()
        #expect(transport.requestCount == 0, "shutting down an unused client sends nothing")
    }

    @Test("Run in a ServiceGroup against a sink: graceful shutdown flushes every event once, and run() returns")
    func serviceGroup() async throws {
        try await withSink { sink in
            let errors = ErrorRecorder()
            var configuration = sinkConfiguration(sink, errors: errors)
            configuration.superProperties = ["service": "checkout"]
            let client = PostHogClient(configuration: configuration)
            let group = ServiceGroup(services: [client], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            let running = Task { try await group.run() }
            for i in 0..<250 { await client.capture(distinctId: "u\(i)", event: "order placed") }
            await group.triggerGracefulShutdown()
            try await running.value
            let stored = try sink.storedEvents()
            #expect(stored.count == 250)
            #expect(Set(stored.map(\.uuid)).count == 250)
            #expect(errors.errors.isEmpty, "\(errors.errors)")
            #expect(await client.capture(distinctId: "u", event: "late") == false, "a shut-down client refuses captures")
        }
    }

    @Test("Cancelling run() still flushes within the shutdown timeout")
    func cancelledRunFlushes() async throws {
        let transport = ScriptedTransport()
        let client = PostHogClient(configuration: scriptedConfiguration(transport))
        let running = Task { try await client.run() }
        await client.capture(distinctId: "u", event: "before cancel")
        running.cancel()
        try await running.value
        #expect(transport.deliveredEvents.count == 1)
    }

    @Test("shutdown(timeout:) returns by its deadline with a stuck host and reports what it dropped")
    func shutdownDeadline() async throws {
        let gate = AsyncGate()
        let transport = ScriptedTransport(stuckUntil: gate)
        let errors = ErrorRecorder()
        var configuration = scriptedConfiguration(transport, errors: errors)
        configuration.flushAt = 10
        let client = PostHogClient(configuration: configuration)
        for i in 0..<50 { await client.capture(distinctId: "u", event: "e\(i)") }
        let clock = ContinuousClock()
        let start = clock.now
        await client.shutdown(timeout: .milliseconds(200))
        // 0.2 s deadline plus 0.5 s for the stuck request; the margin is for a loaded test machine.
        // The host never answers, so a shutdown that waited for it would not return at all.
        #expect(clock.now - start < .seconds(20), "took \(clock.now - start)")
        #expect(errors.errors(.shutdownTimedOut).reduce(0) { $0 + $1.eventCount } == 50)
        gate.open()
    }

    @Test("A disabled client sends nothing, starts nothing, and answers every call at once")
    func disabled() async throws {
        let transport = ScriptedTransport()
        var configuration = scriptedConfiguration(transport)
        configuration.disabled = true
        configuration.personalApiKey = "phx_test"
        let client = PostHogClient(configuration: configuration)
        #expect(await client.capture(distinctId: "u", event: "e") == false)
        await client.identify(distinctId: "u", properties: ["a": 1])
        await client.captureException(DisabledProbe(), distinctId: "u")
        #expect(await client.getFeatureFlag("beta", distinctId: "u") == nil)
        #expect(await client.getAllFlags(distinctId: "u").isEmpty)
        try client.tryCapture(.capture("e", distinctId: "u"))
        await client.flush()
        await client.shutdown()
        #expect(transport.requestCount == 0)
    }

    struct DisabledProbe: Error {}
}
