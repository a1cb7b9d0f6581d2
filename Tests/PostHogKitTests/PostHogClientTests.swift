import Foundation
import PostHogCore
import PostHogKit
import Synchronization
import Testing
import TestSupport

/// A flag another task sets.
final class Flag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }
}

/// A client configuration for scripted-transport tests: no timer flushes unless asked, no real sleeps.
func scriptedConfiguration(
    _ transport: ScriptedTransport, errors: ErrorRecorder = ErrorRecorder(), sleeper: SleepRecorder = SleepRecorder()
) -> PostHogConfiguration {
    var configuration = PostHogConfiguration(apiKey: TestKeys.project, host: "http://127.0.0.1:9")
    configuration.transport = transport
    configuration.flushInterval = .seconds(3600)
    configuration.onError = errors.handler
    configuration.sleep = sleeper.sleep
    return configuration
}

@Suite("PostHogClient with a scripted transport")
struct PostHogClientTests {
    @Test("Back-pressure: tryCapture throws queueFull, capture waits for space, nothing is dropped")
    func backPressure() async throws {
        let gate = AsyncGate()
        let transport = ScriptedTransport(stuckUntil: gate)
        let errors = ErrorRecorder()
        var configuration = scriptedConfiguration(transport, errors: errors)
        configuration.flushAt = 1
        configuration.maxQueueSize = 2
        let client = PostHogClient(configuration: configuration)

        #expect(await client.capture(distinctId: "u", event: "e0"))
        // The worker took e0 and is held up in the transport.
        #expect(await eventually { gate.waiting == 1 })
        #expect(await client.capture(distinctId: "u", event: "e1"))
        #expect(await client.capture(distinctId: "u", event: "e2"))
        let full = #expect(throws: PostHogError.self) { try client.tryCapture(.capture("refused", distinctId: "u")) }
        #expect(full?.kind == .queueFull)
        #expect(full?.eventCount == 1)

        let returned = Flag()
        let waiter = Task {
            let queued = await client.capture(distinctId: "u", event: "e3")
            returned.set()
            return queued
        }
        // While the transport is blocked the queue stays full, so the capture must stay suspended.
        try await Task.sleep(for: .milliseconds(50))
        #expect(!returned.isSet, "capture returned while the queue was full")
        #expect(transport.requestCount == 1)

        gate.open()
        #expect(await waiter.value)
        await client.flush()
        let names = transport.deliveredEvents.compactMap { $0["event"]?.stringValue }
        #expect(names == ["e0", "e1", "e2", "e3"])
        #expect(errors.errors.isEmpty, "back-pressure is not an error: \(errors.errors)")
        await client.shutdown()
    }

    @Test("Many concurrent producers against a small queue: every capture is delivered exactly once")
    func concurrentProducers() async throws {
        let transport = ScriptedTransport { _ in
            try? await Task.sleep(for: .milliseconds(1))
            return .ok
        }
        let errors = ErrorRecorder()
        var configuration = scriptedConfiguration(transport, errors: errors)
        configuration.flushAt = 7
        configuration.maxQueueSize = 5
        // This test is about contention, not outages: captures may wait as long as it takes.
        configuration.captureTimeout = .seconds(60)
        let client = PostHogClient(configuration: configuration)
        let uuids = (0..<400).map { _ in EventUUID.v7() }
        await withTaskGroup(of: Bool.self) { group in
            for producer in 0..<8 {
                group.addTask {
                    var ok = true
                    for i in stride(from: producer, to: uuids.count, by: 8) {
                        ok = await client.capture(distinctId: "p\(producer)", event: "e", uuid: uuids[i]) && ok
                    }
                    return ok
                }
            }
            for await ok in group { #expect(ok) }
        }
        await client.flush()
        let delivered = transport.deliveredUUIDs
        #expect(delivered.count == uuids.count)
        #expect(Set(delivered) == Set(uuids))
        #expect(transport.requests.allSatisfy { $0.batch.count <= 5 }, "a batch never exceeds the queue")
        #expect(errors.errors.isEmpty)
        await client.shutdown()
    }

    @Test("flush() returns only after the queued events are delivered")
    func flushWaitsForDelivery() async throws {
        let gate = AsyncGate()
        let transport = ScriptedTransport(stuckUntil: gate)
        let client = PostHogClient(configuration: scriptedConfiguration(transport))
        for i in 0..<3 { await client.capture(distinctId: "u", event: "e\(i)") }
        #expect(transport.requestCount == 0, "below flushAt nothing is sent before a flush")
        let flushed = Flag()
        let flushing = Task {
            await client.flush()
            flushed.set()
        }
        #expect(await eventually { transport.requestCount == 1 })
        try await Task.sleep(for: .milliseconds(30))
        #expect(!flushed.isSet, "flush returned before the batch was answered")
        gate.open()
        await flushing.value
        #expect(transport.deliveredUUIDs.count == 3)
        // A flush with nothing queued returns at once.
        await client.flush()
        await client.shutdown()
    }

    @Test("flush() waits through retries; the backoff goes through the injected sleep")
    func flushThroughRetries() async throws {
        let transport = ScriptedTransport([.status(503), .fail("reset"), .status(429, retryAfter: "9")])
        let sleeper = SleepRecorder()
        let errors = ErrorRecorder()
        let client = PostHogClient(configuration: scriptedConfiguration(transport, errors: errors, sleeper: sleeper))
        for i in 0..<5 { await client.capture(distinctId: "u", event: "e\(i)") }
        await client.flush()
        #expect(transport.requestCount == 4)
        #expect(transport.deliveredUUIDs.count == 5)
        #expect(sleeper.durations.count == 3)
        #expect(sleeper.durations.last.map { $0 >= .seconds(9) } == true)
        #expect(errors.errors.isEmpty)
        await client.shutdown()
    }

    @Test("shutdown() drains everything queued; later captures are refused and reported as shutDown")
    func shutdownDrains() async throws {
        let transport = ScriptedTransport()
        let errors = ErrorRecorder()
        var configuration = scriptedConfiguration(transport, errors: errors)
        configuration.flushAt = 50
        let client = PostHogClient(configuration: configuration)
        for i in 0..<120 { await client.capture(distinctId: "u\(i)", event: "e") }
        await client.shutdown()
        #expect(transport.deliveredUUIDs.count == 120)
        #expect(transport.requests.map(\.batch.count) == [50, 50, 20])
        #expect(transport.shutdownCount == 0, "a transport the caller gave is the caller's to shut down")

        #expect(await client.capture(distinctId: "late", event: "after") == false)
        let shutDown = errors.errors(.shutDown)
        #expect(shutDown.count == 1)
        #expect(shutDown.first?.eventCount == 1)
        let thrown = #expect(throws: PostHogError.self) { try client.tryCapture(.capture("after", distinctId: "late")) }
        #expect(thrown?.kind == .shutDown)
        await client.shutdown()  // a second shutdown is harmless
        #expect(transport.requestCount == 3)
    }

    @Test("shutdown() releases captures waiting for space; they are refused, not lost silently")
    func shutdownReleasesWaiters() async throws {
        let gate = AsyncGate()
        let transport = ScriptedTransport(stuckUntil: gate)
        let errors = ErrorRecorder()
        var configuration = scriptedConfiguration(transport, errors: errors)
        configuration.flushAt = 1
        configuration.maxQueueSize = 1
        let client = PostHogClient(configuration: configuration)
        await client.capture(distinctId: "u", event: "sent")
        #expect(await eventually { gate.waiting == 1 })
        await client.capture(distinctId: "u", event: "queued")
        let waiter = Task { await client.capture(distinctId: "u", event: "waiting") }
        try await Task.sleep(for: .milliseconds(20))
        let shutdown = Task { await client.shutdown() }
        let accepted = await waiter.value
        gate.open()
        await shutdown.value
        #expect(!accepted, "a capture still waiting at shutdown is refused")
        #expect(errors.errors(.shutDown).count == 1)
        let delivered = transport.deliveredEvents.compactMap { $0["event"]?.stringValue }
        #expect(delivered == ["sent", "queued"], "what was queued is still delivered")
    }

    @Test("Events over 1 MB are refused locally (eventTooLarge) and never sent")
    func eventTooLarge() async throws {
        let transport = ScriptedTransport()
        let errors = ErrorRecorder()
        let client = PostHogClient(configuration: scriptedConfiguration(transport, errors: errors))
        let big: JSONValue = .string(String(repeating: "x", count: 1_000_001))
        #expect(await client.capture(distinctId: "u", event: "huge", properties: ["blob": big]) == false)
        let tooLarge = errors.errors(.eventTooLarge)
        #expect(tooLarge.count == 1)
        #expect(tooLarge.first?.eventCount == 1)
        let thrown = #expect(throws: PostHogError.self) { try client.tryCapture(.capture("huge", distinctId: "u", properties: ["blob": big])) }
        #expect(thrown?.kind == .eventTooLarge)
        // Just under the limit is fine.
        let nearly: JSONValue = .string(String(repeating: "x", count: 900_000))
        #expect(await client.capture(distinctId: "u", event: "large", properties: ["blob": nearly]))
        await client.flush()
        #expect(transport.requests.flatMap(\.batch).compactMap { $0["event"]?.stringValue } == ["large"])
        await client.shutdown()
    }

    @Test("Events rejected after 400 bisection reach onError as eventsRejected; the rest are delivered")
    func rejectedReported() async throws {
        let transport = ScriptedTransport { request in
            request.batch.contains { $0["properties"]?["bad"] == true } ? .status(400, body: "invalid event") : .ok
        }
        let errors = ErrorRecorder()
        let client = PostHogClient(configuration: scriptedConfiguration(transport, errors: errors))
        for i in 0..<10 {
            await client.capture(distinctId: "u", event: "e\(i)", properties: [3, 8].contains(i) ? ["bad": true] : [:])
        }
        await client.flush()
        let rejected = errors.errors(.eventsRejected)
        #expect(rejected.reduce(0) { $0 + $1.eventCount } == 2)
        #expect(rejected.allSatisfy { $0.status == 400 })
        let delivered = transport.deliveredEvents.compactMap { $0["event"]?.stringValue }
        #expect(Set(delivered) == Set((0..<10).filter { ![3, 8].contains($0) }.map { "e\($0)" }))
        #expect(delivered.count == 8)
        await client.shutdown()
    }

    @Test("Authentication and give-up failures reach onError, and flush still returns")
    func failuresReported() async throws {
        for (reply, kind) in [(ScriptedReply.status(401), PostHogError.Kind.authentication), (.status(503), .deliveryFailed)] {
            let transport = ScriptedTransport([], then: reply)
            let errors = ErrorRecorder()
            var configuration = scriptedConfiguration(transport, errors: errors)
            configuration.maxRetries = 2
            let client = PostHogClient(configuration: configuration)
            for i in 0..<4 { await client.capture(distinctId: "u", event: "e\(i)") }
            await client.flush()
            let reported = errors.errors(kind)
            #expect(reported.count == 1, "\(kind)")
            #expect(reported.first?.eventCount == 4)
            #expect(transport.requestCount == (kind == .authentication ? 1 : 3))
            await client.shutdown()
        }
    }

    @Test("maxRetries sets the retry budget")
    func maxRetriesSetting() async throws {
        let transport = ScriptedTransport([], then: .status(500))
        let sleeper = SleepRecorder()
        var configuration = scriptedConfiguration(transport, sleeper: sleeper)
        configuration.maxRetries = 2
        let client = PostHogClient(configuration: configuration)
        await client.capture(distinctId: "u", event: "e")
        await client.flush()
        #expect(transport.requestCount == 3)
        #expect(sleeper.durations.count == 2, "backoff goes through the injected sleep")
        await client.shutdown()
    }

    @Test("A retryPolicy set on the configuration keeps its maxRetries")
    func retryPolicySetting() async throws {
        let transport = ScriptedTransport([], then: .status(500))
        var configuration = scriptedConfiguration(transport)
        configuration.retryPolicy = RetryPolicy(maxRetries: 1, baseDelay: .milliseconds(10))
        let client = PostHogClient(configuration: configuration)
        await client.capture(distinctId: "u", event: "e")
        await client.flush()
        do {
            #expect(transport.requestCount == 2, "RetryPolicy(maxRetries: 1) allows one retry")
        }
        await client.shutdown()
    }

    @Test("The flush interval sends a partial batch without an explicit flush")
    func flushInterval() async throws {
        let transport = ScriptedTransport()
        var configuration = scriptedConfiguration(transport)
        configuration.flushInterval = .milliseconds(20)
        let client = PostHogClient(configuration: configuration)
        await client.capture(distinctId: "u", event: "timed")
        #expect(await eventually { transport.deliveredUUIDs.count == 1 })
        await client.shutdown()
    }

    @Test("Batches respect flushAt and maxBatchBytes")
    func batchLimits() async throws {
        let transport = ScriptedTransport()
        var configuration = scriptedConfiguration(transport)
        configuration.flushAt = 10
        configuration.maxBatchBytes = 3000
        configuration.gzip = false
        let client = PostHogClient(configuration: configuration)
        for i in 0..<25 {
            await client.capture(distinctId: "u", event: "e\(i)", properties: ["pad": .string(String(repeating: "p", count: 300))])
        }
        await client.flush()
        let requests = transport.requests
        #expect(requests.reduce(0) { $0 + $1.batch.count } == 25)
        #expect(requests.allSatisfy { $0.batch.count <= 10 })
        #expect(requests.allSatisfy { $0.body.count <= 3000 }, "\(requests.map(\.body.count))")
        let names = requests.flatMap(\.batch).compactMap { $0["event"]?.stringValue }
        #expect(names == (0..<25).map { "e\($0)" }, "order is kept")
        await client.shutdown()
    }

    @Test("capture's parameters and the library properties reach the wire")
    func captureWire() async throws {
        let transport = ScriptedTransport()
        let client = PostHogClient(configuration: scriptedConfiguration(transport))
        let when = Date(timeIntervalSince1970: 1_735_787_045.678)
        await client.capture(
            distinctId: "user-1", event: "movie played", properties: ["genre": "noir", "$lib": "custom"], timestamp: when,
            uuid: "0189D5B2-3C4E-7A1B-9C2D-3E4F5A6B7C8D", groups: ["company": "acme"])
        await client.capture(distinctId: "user-2", event: "no uuid", uuid: "nonsense")
        await client.identify(distinctId: "user-1", properties: ["email": "a@b.c"], setOnce: ["first": "x"], timestamp: when)
        await client.alias(distinctId: "user-1", alias: "anon-1", timestamp: when)
        await client.groupIdentify(groupType: "company", groupKey: "acme", properties: ["seats": 5], timestamp: when)
        await client.pageview(distinctId: "user-1", url: "https://example.com/x", timestamp: when)
        await client.flush()
        let events = transport.deliveredEvents
        try #require(events.count == 6)
        let capture = events[0]
        #expect(capture["event"] == "movie played")
        #expect(capture["distinct_id"] == "user-1")
        #expect(capture["uuid"] == "0189d5b2-3c4e-7a1b-9c2d-3e4f5a6b7c8d")
        #expect(capture["timestamp"] == "2025-01-02T03:04:05.678Z")
        #expect(capture["properties"]?["genre"] == "noir")
        #expect(capture["properties"]?["$groups"] == ["company": "acme"])
        #expect(capture["properties"]?["$lib"] == "custom", "a caller's $lib is kept")
        #expect(capture["properties"]?["$lib_version"] == .string(PostHogKitInfo.version))
        let replaced = try #require(events[1]["uuid"]?.stringValue)
        #expect(EventUUID.isValid(replaced) && replaced != "nonsense")
        #expect(events[1]["timestamp"] != nil, "capture stamps the time of the call")
        for event in events.dropFirst() {
            #expect(event["properties"]?["$lib"] == .string(PostHogKitInfo.libraryName))
            #expect(event["properties"]?["$lib_version"] == .string(PostHogKitInfo.version))
        }
        #expect(events[2]["event"] == "$identify")
        #expect(events[2]["$set"] == ["email": "a@b.c"])
        #expect(events[2]["$set_once"] == ["first": "x"])
        #expect(events[2]["properties"]?["email"] == "a@b.c")
        #expect(events[3]["event"] == "$create_alias")
        #expect(events[3]["properties"]?["alias"] == "anon-1")
        #expect(events[3]["properties"]?["distinct_id"] == "user-1")
        #expect(events[4]["event"] == "$groupidentify")
        #expect(events[4]["distinct_id"] == "$company_acme")
        #expect(events[4]["properties"]?["$group_set"] == ["seats": 5])
        #expect(events[5]["event"] == "$pageview")
        #expect(events[5]["properties"]?["$current_url"] == "https://example.com/x")
        await client.shutdown()
    }

    @Test("withClient shuts the client down after the body, flushing what it queued")
    func withClient() async throws {
        let transport = ScriptedTransport()
        let errors = ErrorRecorder()
        let client = await PostHogClient.withClient(scriptedConfiguration(transport, errors: errors)) { client in
            await client.capture(distinctId: "u", event: "inside")
            return client
        }
        #expect(transport.deliveredUUIDs.count == 1)
        #expect(await client.capture(distinctId: "u", event: "outside") == false)
        #expect(errors.errors(.shutDown).count == 1)
    }

    @Test("PostHogError descriptions say what to do")
    func errorDescriptions() {
        #expect(PostHogError(.queueFull, "full").description.contains("maxQueueSize"))
        #expect(PostHogError(.eventTooLarge, "big").description.contains("1 MB"))
        #expect(PostHogError(.unexpectedStatus, "x", status: 404).description.contains("(HTTP 404)"))
        #expect(PostHogError(.deliveryFailed, "x").shortDescription == "deliveryFailed")
    }
}
