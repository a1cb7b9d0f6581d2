import Foundation
import PostHogCore
import PostHogKit
import Testing
import TestSupport

@Suite("Outages: a dead or stuck host never stalls the caller", .serialized)
struct OutageTests {
    @Test("With the transport stuck, captures return within the bound and every drop is reported with its count")
    func captureIsBounded() async throws {
        let gate = AsyncGate()
        let transport = ScriptedTransport(stuckUntil: gate)
        let errors = ErrorRecorder()
        var configuration = scriptedConfiguration(transport, errors: errors)
        configuration.flushAt = 10
        configuration.maxQueueSize = 20
        configuration.captureTimeout = .milliseconds(50)
        let client = PostHogClient(configuration: configuration)
        let clock = ContinuousClock()
        var queued = 0
        var slowest = Duration.zero
        var waited = 0
        for i in 0..<2000 {
            let start = clock.now
            if await client.capture(distinctId: "u", event: "e\(i)") { queued += 1 }
            let took = clock.now - start
            slowest = max(slowest, took)
            if took >= .milliseconds(40) { waited += 1 }
        }
        // The bound is 50 ms; the margin is for timers running late while parallel tests load both cores.
        #expect(slowest < .seconds(5), "a capture took \(slowest) against a stuck host")
        #expect(waited <= 5, "\(waited) captures waited out the bound; after the first, a stuck queue drops at once")
        #expect(queued == 30, "one batch in flight and a full queue")
        await client.shutdown(timeout: .milliseconds(100))
        let reported = errors.errors.reduce(0) { $0 + $1.eventCount }
        #expect(reported == 2000, "every event not delivered is counted: \(errors.errors)")
        #expect(errors.errors(.queueFull).reduce(0) { $0 + $1.eventCount } == 1970)
        #expect(errors.errors(.queueFull).count < 10, "drops are grouped, not one call each")
        gate.open()
    }

    @Test("Flag reads never wait on the event queue, even when it is full")
    func flagReadsDoNotWait() async throws {
        let gate = AsyncGate()
        let transport = ScriptedTransport { request in
            if request.isRemoteFlags { return flagJSONReply(200, ["flags": ["beta": ["key": "beta", "enabled": true]]]) }
            await gate.wait()
            return .ok
        }
        let errors = ErrorRecorder()
        var configuration = scriptedConfiguration(transport, errors: errors)
        configuration.flushAt = 1
        configuration.maxQueueSize = 1
        configuration.captureTimeout = .seconds(30)
        let client = PostHogClient(configuration: configuration)
        await client.capture(distinctId: "u", event: "in flight")
        #expect(await eventually { gate.waiting == 1 })
        await client.capture(distinctId: "u", event: "fills the queue")
        let clock = ContinuousClock()
        let start = clock.now
        #expect(await client.getFeatureFlag("beta", distinctId: "u") == true)
        #expect(clock.now - start < .seconds(2), "the flag read waited for room in the event queue")
        #expect(errors.errors(.queueFull).first?.eventCount == 1, "its $feature_flag_called was dropped and counted")
        gate.open()
        await client.shutdown()
    }

    @Test("A host refusing connections: captures finish fast, shutdown keeps its deadline, drops are reported")
    func refusedHost() async throws {
        let errors = ErrorRecorder()
        var configuration = PostHogConfiguration(apiKey: TestKeys.project, host: "http://127.0.0.1:9")
        configuration.onError = errors.handler
        let client = PostHogClient(configuration: configuration)
        let clock = ContinuousClock()
        var start = clock.now
        for i in 0..<20_000 {
            await client.capture(distinctId: "u\(i % 10)", event: "e")
            // Dropping captures never suspend; let the other tests' timers run on this 2-core machine.
            if i % 100 == 0 { await Task.yield() }
        }
        #expect(clock.now - start < .seconds(5))
        start = clock.now
        await client.shutdown(timeout: .seconds(1))
        #expect(clock.now - start < .seconds(3), "shutdown took \(clock.now - start) (deadline 1 s, grace 0.5 s)")
        #expect(errors.errors.reduce(0) { $0 + $1.eventCount } == 20_000, "\(errors.errors)")
    }

    @Test("The breaker stops requests to a failing host, keeps the batch, and a later probe delivers it")
    func breakerProbes() async throws {
        let healthy = Flag()
        let transport = ScriptedTransport { _ in healthy.isSet ? .ok : .fail("connection refused") }
        let errors = ErrorRecorder()
        var configuration = scriptedConfiguration(transport, errors: errors)
        configuration.circuitBreaker = CircuitBreaker.Policy(failureThreshold: 2, cooldown: .milliseconds(300))
        configuration.flushAt = 1
        let client = PostHogClient(configuration: configuration)
        await client.capture(distinctId: "u", event: "kept")
        #expect(await eventually { transport.requestCount == 2 })
        try await Task.sleep(for: .milliseconds(100))
        #expect(transport.requestCount == 2, "no request while the breaker is open")
        healthy.set()
        await client.flush()
        #expect(transport.requestCount == 3, "one probe")
        #expect(transport.deliveredEvents.map { $0["event"]?.stringValue } == ["kept"])
        #expect(errors.errors.isEmpty, "\(errors.errors)")
        await client.shutdown()
    }
}
