import Foundation
import PostHogCore
import PostHogKit
import Synchronization
import Testing
import TestSupport

/// Events for sender tests, encoded as the client would.
func makeEvents(_ count: Int, name: String = "test event", marked: Set<Int> = []) throws -> [EncodedEvent] {
    try (0..<count).map { i in
        var properties: [String: JSONValue] = ["i": .int(Int64(i))]
        if marked.contains(i) { properties["bad"] = true }
        return try EncodedEvent(
            PostHogEvent(event: name, distinctId: "user-\(i % 7)", properties: properties, timestamp: .now()), tag: Int64(i))
    }
}

func makeSender(
    _ transport: ScriptedTransport, sleeper: SleepRecorder = SleepRecorder(), maxRetries: Int = 5, gzip: Bool = true,
    historical: Bool = false, jitter: Double = 0.5, host: String = "http://127.0.0.1:9"
) -> BatchSender {
    BatchSender(
        apiKey: TestKeys.project, host: host, transport: transport, gzip: gzip, historicalMigration: historical,
        requestTimeout: .seconds(3), retryPolicy: RetryPolicy(maxRetries: maxRetries), sleep: sleeper.sleep, jitter: { jitter })
}

@Suite("BatchSender with a scripted transport")
struct BatchSenderTests {
    @Test("One POST to {host}/batch/ with gzip, Content-Encoding, User-Agent and the events in order")
    func requestShape() async throws {
        let transport = ScriptedTransport()
        let events = try makeEvents(5)
        let report = try await makeSender(transport, host: "http://127.0.0.1:9///").deliver(events)
        #expect(report.delivered == 5)
        #expect(report.requests == 1)
        #expect(report.retries == 0)
        #expect(report.rejected.isEmpty)
        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.url == "http://127.0.0.1:9/batch/")
        #expect(Gzip.hasMagic(request.rawBody), "the body on the wire is gzip")
        #expect(request.header("Content-Encoding") == "gzip")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("User-Agent") == "posthog-swift-server/\(PostHogKitInfo.version)")
        #expect(PostHogKitInfo.userAgent == "posthog-swift-server/\(PostHogKitInfo.version)")
        #expect(request.timeout == .seconds(3))
        let json = try #require(request.json)
        #expect(json["api_key"] == .string(TestKeys.project))
        #expect(json["historical_migration"] == nil, "only sent when true")
        #expect(json["offset"] == nil)
        #expect(request.uuids == events.map(\.uuid))
        for (sent, original) in zip(request.batch, events) {
            #expect(sent == (try JSONParser.parse(original.bytes)), "events are sent as encoded")
        }
    }

    @Test("Without gzip the body is plain JSON and there is no Content-Encoding; historical sets the flag")
    func plainAndHistorical() async throws {
        let transport = ScriptedTransport()
        _ = try await makeSender(transport, gzip: false, historical: true).deliver(try makeEvents(2))
        let request = try #require(transport.requests.first)
        #expect(!Gzip.hasMagic(request.rawBody))
        #expect(request.header("Content-Encoding") == nil)
        #expect(request.json?["historical_migration"] == true)
        #expect(request.rawBody == request.body)
    }

    @Test("An empty delivery sends nothing")
    func empty() async throws {
        let transport = ScriptedTransport()
        let report = try await makeSender(transport).deliver([])
        #expect(report.delivered == 0)
        #expect(transport.requestCount == 0)
    }

    @Test("sent_at is set afresh on every attempt, at the time of that attempt")
    func freshSentAt() async throws {
        // The transport answers after 3 ms, so attempts are measurably apart without sleeping for backoff.
        let replies: [ScriptedReply] = [.status(503), .status(429), .fail("connection reset"), .status(500)]
        let index = Counter()
        let transport = ScriptedTransport { _ in
            try? await Task.sleep(for: .milliseconds(3))
            let n = index.next()
            return n < replies.count ? replies[n] : .ok
        }
        let sleeper = SleepRecorder()
        let report = try await makeSender(transport, sleeper: sleeper).deliver(try makeEvents(3))
        #expect(report.delivered == 3)
        #expect(report.requests == 5)
        #expect(report.retries == 4)
        let requests = transport.requests
        try #require(requests.count == 5)
        var previousReceipt: Timestamp?
        var seen = Set<Timestamp>()
        for request in requests {
            let sentAt = try #require(request.sentAt, "request \(request.index) has a sent_at")
            #expect(sentAt <= request.receivedAt, "sent_at is not in the future")
            #expect(request.receivedAt.microseconds - sentAt.microseconds < 1_000_000, "sent_at is the time of this attempt")
            if let previousReceipt {
                #expect(sentAt > previousReceipt, "attempt \(request.index) reuses an earlier sent_at")
            }
            previousReceipt = request.receivedAt
            seen.insert(sentAt)
            // Everything but sent_at is byte-identical between attempts.
            var withoutSentAt = request.json?.objectValue
            withoutSentAt?["sent_at"] = nil
            var first = requests[0].json?.objectValue
            first?["sent_at"] = nil
            #expect(withoutSentAt == first)
        }
        #expect(seen.count == 5, "every attempt has its own sent_at")
    }

    @Test("Retries with backoff, then succeeds; the sleeps follow the policy")
    func retriesThenSuccess() async throws {
        let transport = ScriptedTransport([.status(503), .status(502), .fail("timeout"), .status(408)])
        let sleeper = SleepRecorder()
        let report = try await makeSender(transport, sleeper: sleeper, jitter: 1).deliver(try makeEvents(4))
        #expect(report.delivered == 4)
        #expect(report.requests == 5)
        #expect(report.retries == 4)
        #expect(sleeper.durations == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4)])
        #expect(transport.deliveredUUIDs.count == 4)
    }

    @Test("Retry-After is respected as a floor: the recorded sleep is at least its value")
    func retryAfter() async throws {
        let transport = ScriptedTransport([
            .status(429, retryAfter: "7"), .status(503, retryAfter: "0"), .status(503, retryAfter: "1000"),
        ])
        let sleeper = SleepRecorder()
        let report = try await makeSender(transport, sleeper: sleeper, jitter: 0).deliver(try makeEvents(2))
        #expect(report.delivered == 2)
        let sleeps = sleeper.durations
        try #require(sleeps.count == 3)
        #expect(sleeps[0] >= .seconds(7))
        #expect(sleeps[1] == .milliseconds(500), "Retry-After 0 leaves the backoff (1s × jitter ½)")
        #expect(sleeps[2] == .seconds(120), "Retry-After is capped at maxRetryAfter")
    }

    @Test("Retry-After as an HTTP date is a floor too")
    func retryAfterDate() async throws {
        let inOneMinute = Date().addingTimeInterval(61)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let transport = ScriptedTransport([.status(503, retryAfter: formatter.string(from: inOneMinute))])
        let sleeper = SleepRecorder()
        _ = try await makeSender(transport, sleeper: sleeper, jitter: 0).deliver(try makeEvents(1))
        let sleep = try #require(sleeper.durations.first)
        #expect(sleep >= .seconds(55) && sleep <= .seconds(62), "\(sleep)")
    }

    @Test("413 splits the batch in halves until every part is accepted")
    func splitOn413() async throws {
        let transport = ScriptedTransport { request in request.batch.count > 2 ? .status(413) : .ok }
        let events = try makeEvents(8)
        let sleeper = SleepRecorder()
        let report = try await makeSender(transport, sleeper: sleeper).deliver(events)
        #expect(report.delivered == 8)
        #expect(report.rejected.isEmpty)
        #expect(transport.requests.map(\.batch.count) == [8, 4, 2, 2, 4, 2, 2])
        #expect(transport.deliveredUUIDs == events.map(\.uuid), "each event delivered once, in order")
        #expect(sleeper.durations.isEmpty, "a split is not a retry")
    }

    @Test("413 for a single event rejects just that event")
    func single413() async throws {
        let events = try makeEvents(4, marked: [2])
        let transport = ScriptedTransport { request in
            request.batch.contains { $0["properties"]?["bad"] == true } ? .status(413) : .ok
        }
        let report = try await makeSender(transport).deliver(events)
        #expect(report.delivered == 3)
        #expect(report.rejected.map(\.event.uuid) == [events[2].uuid])
        #expect(report.rejected.first?.status == 413)
        #expect(report.rejected.first?.event.tag == 2, "tags travel with rejected events")
    }

    @Test(
        "400 bisection isolates exactly the bad events and delivers all the others once",
        arguments: [(16, Set([3])), (16, Set([0, 15])), (37, Set([1, 2, 20, 36])), (5, Set([0, 1, 2, 3, 4])), (1, Set([0]))])
    func bisection(count: Int, bad: Set<Int>) async throws {
        let events = try makeEvents(count, marked: bad)
        let transport = ScriptedTransport { request in
            request.batch.contains { $0["properties"]?["bad"] == true } ? .status(400, body: "MissingDistinctId") : .ok
        }
        let report = try await makeSender(transport).deliver(events)
        let badUUIDs = Set(bad.map { events[$0].uuid })
        #expect(report.delivered == count - bad.count)
        #expect(Set(report.rejected.map(\.event.uuid)) == badUUIDs)
        #expect(report.rejected.count == bad.count)
        #expect(report.rejected.allSatisfy { $0.status == 400 && $0.reason.contains("MissingDistinctId") })
        let delivered = transport.deliveredUUIDs
        #expect(delivered.count == Set(delivered).count, "no event delivered twice")
        #expect(Set(delivered) == Set(events.map(\.uuid)).subtracting(badUUIDs))
    }

    @Test("401 and 403 throw authentication after exactly one request")
    func authentication() async throws {
        for status in [401, 403] {
            let transport = ScriptedTransport([.status(status)])
            let sleeper = SleepRecorder()
            let error = await #expect(throws: PostHogError.self) {
                try await makeSender(transport, sleeper: sleeper).deliver(try makeEvents(6))
            }
            #expect(error?.kind == .authentication)
            #expect(error?.status == status)
            #expect(error?.eventCount == 6)
            #expect(transport.requestCount == 1)
            #expect(sleeper.durations.isEmpty)
            #expect(error?.description.contains("Check the project API key") == true)
        }
    }

    @Test("Giving up throws deliveryFailed with the event count after 1 + maxRetries attempts")
    func givingUp() async throws {
        let transport = ScriptedTransport([], then: .status(503))
        let sleeper = SleepRecorder()
        let error = await #expect(throws: PostHogError.self) {
            try await makeSender(transport, sleeper: sleeper, maxRetries: 3).deliver(try makeEvents(9))
        }
        #expect(error?.kind == .deliveryFailed)
        #expect(error?.eventCount == 9)
        #expect(error?.status == 503)
        #expect(transport.requestCount == 4)
        #expect(sleeper.durations.count == 3)

        let failing = ScriptedTransport([], then: .fail("connection refused"))
        let networkError = await #expect(throws: PostHogError.self) {
            try await makeSender(failing, maxRetries: 2).deliver(try makeEvents(2))
        }
        #expect(networkError?.kind == .deliveryFailed)
        #expect(networkError?.status == nil)
        #expect(networkError?.message.contains("connection refused") == true)
        #expect(failing.requestCount == 3)
    }

    @Test("An unexpected status (404) throws unexpectedStatus after one request")
    func unexpected() async throws {
        let transport = ScriptedTransport([.status(404, body: "not found")])
        let error = await #expect(throws: PostHogError.self) { try await makeSender(transport).deliver(try makeEvents(3)) }
        #expect(error?.kind == .unexpectedStatus)
        #expect(error?.status == 404)
        #expect(error?.message.contains("not found") == true)
        #expect(transport.requestCount == 1)
    }

    @Test("A sleep that throws (cancellation) ends delivery with kind cancelled")
    func cancelledWhileWaiting() async throws {
        let transport = ScriptedTransport([], then: .status(503))
        let sender = BatchSender(
            apiKey: "k", host: "http://127.0.0.1:9", transport: transport, sleep: { _ in throw CancellationError() })
        let error = await #expect(throws: PostHogError.self) { try await sender.deliver(try makeEvents(2)) }
        #expect(error?.kind == .cancelled)
        #expect(transport.requestCount == 1)
    }

    @Test("The observer sees every attempt, back-pressure flagged for retries")
    func observer() async throws {
        let transport = ScriptedTransport([.status(429), .fail("reset")])
        var sender = makeSender(transport)
        let attempts = AttemptLog()
        sender.observer = { attempts.append($0) }
        _ = try await sender.deliver(try makeEvents(3))
        let seen = attempts.all
        #expect(seen.map(\.status) == [429, nil, 200])
        #expect(seen.map(\.isBackpressure) == [true, true, false])
        #expect(seen.allSatisfy { $0.eventCount == 3 && $0.bodyBytes > 0 })
    }
}

/// A thread-safe counter.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int {
        value.withLock { v in
            defer { v += 1 }
            return v
        }
    }
}

final class AttemptLog: Sendable {
    private let storage = Mutex<[DeliveryAttempt]>([])
    func append(_ attempt: DeliveryAttempt) { storage.withLock { $0.append(attempt) } }
    var all: [DeliveryAttempt] { storage.withLock { $0 } }
}
