import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// A client configuration pointed at a sink, with no real sleeps and errors recorded.
func sinkConfiguration(
    _ sink: SinkServer, apiKey: String = TestKeys.project, errors: ErrorRecorder, sleeper: SleepRecorder = SleepRecorder()
)
    -> PostHogConfiguration
{
    var configuration = PostHogConfiguration(apiKey: apiKey, host: sink.url)
    configuration.flushInterval = .seconds(3600)
    configuration.requestTimeout = .seconds(5)
    configuration.onError = errors.handler
    configuration.sleep = sleeper.sleep
    return configuration
}

@Suite("Delivery into a real sink over loopback")
struct SinkDeliveryTests {
    @Test("Every message kind sent through PostHogClient is stored with the right fields")
    func everyKindStored() async throws {
        try await withSink { sink throws in
            let errors = ErrorRecorder()
            var configuration = sinkConfiguration(sink, errors: errors)
            configuration.historicalMigration = true
            let client = PostHogClient(configuration: configuration)
            let when = Date(timeIntervalSince1970: 1_735_787_045.678)
            let captureUUID = EventUUID.v7()
            await client.capture(
                distinctId: "user-1", event: "movie played", properties: ["genre": "noir", "seconds": 42, "ratio": 0.5], timestamp: when,
                uuid: captureUUID, groups: ["company": "acme"])
            await client.identify(distinctId: "user-1", properties: ["email": "a@b.c"], setOnce: ["first_seen": "2025-01-01"], timestamp: when)
            await client.alias(distinctId: "user-1", alias: "anon-7", timestamp: when)
            await client.groupIdentify(groupType: "company", groupKey: "acme", properties: ["name": "Acme"], timestamp: when)
            await client.pageview(distinctId: "user-1", url: "https://example.com/films/1", timestamp: when)
            await client.shutdown()
            #expect(errors.errors.isEmpty, "\(errors.errors)")

            let stored = try sink.storedEvents()
            try #require(stored.count == 5)
            let byName = Dictionary(uniqueKeysWithValues: stored.map { ($0.event, $0) })
            let capture = try #require(byName["movie played"])
            #expect(capture.uuid == captureUUID)
            #expect(capture.distinctId == "user-1")
            #expect(abs(capture.timestamp.microseconds - 1_735_787_045_678_000) <= 1)
            #expect(capture.properties["genre"] == "noir")
            #expect(capture.properties["seconds"] == 42)
            #expect(capture.properties["ratio"] == 0.5)
            #expect(capture.properties["$groups"] == ["company": "acme"])
            #expect(capture.properties["$lib"] == .string(PostHogKitInfo.libraryName))
            #expect(capture.historical)
            #expect(capture.sentAt.flatMap { Timestamp(iso8601: $0) } != nil)

            let identify = try #require(byName["$identify"])
            #expect(identify.properties["$set"] == ["email": "a@b.c"], "top-level $set merged into properties.$set")
            #expect(identify.properties["$set_once"] == ["first_seen": "2025-01-01"])
            #expect(identify.properties["email"] == "a@b.c")

            let alias = try #require(byName["$create_alias"])
            #expect(alias.distinctId == "user-1")
            #expect(alias.properties["alias"] == "anon-7")

            let group = try #require(byName["$groupidentify"])
            #expect(group.distinctId == "$company_acme")
            #expect(group.properties["$group_type"] == "company")
            #expect(group.properties["$group_key"] == "acme")
            #expect(group.properties["$group_set"] == ["name": "Acme"])

            let pageview = try #require(byName["$pageview"])
            #expect(pageview.properties["$current_url"] == "https://example.com/films/1")

            for event in stored {
                #expect(EventUUID.isValid(event.uuid))
                #expect(Array(event.uuid)[14] == "7" || event.uuid == captureUUID)
            }
            #expect(sink.router.statistics.historicalBatches >= 1)
        }
    }

    @Test("BatchSender's delivery is stored with sent_at near the time of sending")
    func senderStored() async throws {
        try await withSink { sink throws in
            try await withHTTPTransport { transport throws in
                let sender = BatchSender(apiKey: TestKeys.project, host: sink.url, transport: transport, sleep: SleepRecorder().sleep)
                let events = try makeEvents(20)
                let before = Timestamp.now()
                let report = try await sender.deliver(events)
                let after = Timestamp.now()
                #expect(report.delivered == 20)
                #expect(report.requests == 1)
                let stored = try sink.storedEvents()
                #expect(stored.map(\.uuid) == events.map(\.uuid))
                for event in stored {
                    #expect(!event.historical)
                    let sentAt = try #require(event.sentAt.flatMap { Timestamp(iso8601: $0) })
                    #expect(sentAt >= before && sentAt <= after)
                }
            }
        }
    }

    @Test(
        "Injected failures and dropped connections still deliver everything exactly once",
        arguments: [
            ("fail", 0.5, 0.0, [503, 429, 500, 502]),
            ("drop", 0.0, 0.4, [503]),
            ("both", 0.3, 0.3, [503, 408]),
        ])
    func faults(label: String, failRate: Double, dropRate: Double, codes: [Int]) async throws {
        try await withSink(configure: {
            $0.faults.failRate = failRate
            $0.faults.dropRate = dropRate
            $0.faults.failCodes = codes
            $0.faults.retryAfter = 1
            $0.faults.seed = 42
        }) { sink throws in
            let errors = ErrorRecorder()
            let sleeper = SleepRecorder()
            var configuration = sinkConfiguration(sink, errors: errors, sleeper: sleeper)
            configuration.flushAt = 10
            configuration.maxRetries = 30
            let client = PostHogClient(configuration: configuration)
            var uuids: [String] = []
            for i in 0..<150 {
                let uuid = EventUUID.v7()
                uuids.append(uuid)
                #expect(await client.capture(distinctId: "user-\(i % 5)", event: "e", properties: ["i": .int(Int64(i))], uuid: uuid))
            }
            await client.shutdown()
            #expect(errors.errors.isEmpty, "\(label): \(errors.errors)")
            let stored = try sink.storedEvents().map(\.uuid)
            #expect(stored.count == uuids.count, "\(label): stored \(stored.count)")
            #expect(Set(stored) == Set(uuids))
            #expect(Set(stored).count == stored.count, "\(label): duplicates stored")
            let stats = sink.router.statistics
            if failRate > 0 {
                #expect(stats.injectedFailures > 0)
                #expect(sleeper.durations.contains { $0 >= .seconds(1) }, "Retry-After 1 is honoured as a floor")
            }
            if dropRate > 0 { #expect(stats.dropped > 0) }
            #expect(stats.eventsStored == uuids.count)
            #expect(sleeper.durations.count == stats.injectedFailures + stats.dropped, "one retry per fault")
        }
    }

    @Test("A wrong API key surfaces through onError as authentication; nothing is stored")
    func wrongKey() async throws {
        try await withSink { sink throws in
            let errors = ErrorRecorder()
            let client = PostHogClient(configuration: sinkConfiguration(sink, apiKey: "phc_wrong", errors: errors))
            for i in 0..<3 { await client.capture(distinctId: "u", event: "e\(i)") }
            await client.shutdown()
            let auth = errors.errors(.authentication)
            #expect(auth.count == 1)
            #expect(auth.first?.status == 401)
            #expect(auth.first?.eventCount == 3)
            let stored = try sink.storedEvents()
            #expect(stored.isEmpty)
        }
    }

    @Test("A server that is not there: transport errors are retried, then reported as deliveryFailed")
    func nobodyListening() async throws {
        // Bind a sink to get a free port, then stop it so nothing listens there.
        let url = try await withSink { $0.url }
        let errors = ErrorRecorder()
        var configuration = PostHogConfiguration(apiKey: TestKeys.project, host: url)
        configuration.flushInterval = .seconds(3600)
        configuration.requestTimeout = .milliseconds(300)
        configuration.maxRetries = 2
        configuration.onError = errors.handler
        let sleeper = SleepRecorder()
        configuration.sleep = sleeper.sleep
        let client = PostHogClient(configuration: configuration)
        await client.capture(distinctId: "u", event: "e")
        await client.shutdown()
        let failed = errors.errors(.deliveryFailed)
        #expect(failed.count == 1)
        #expect(failed.first?.status == nil)
        #expect(sleeper.durations.count == 2)
    }
}
