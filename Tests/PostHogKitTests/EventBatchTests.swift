import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// EventBatch: events joined in one buffer are sent, split and bisected like an array of events,
/// and a refused one comes back with its uuid and its index in the batch.
@Suite("EventBatch")
struct EventBatchTests {
    static func batch(of events: [EncodedEvent]) -> EventBatch {
        var batch = EventBatch()
        for event in events { batch.append(event.bytes) }
        return batch
    }

    @Test("events are joined by commas and read back one by one")
    func joined() throws {
        let events = try makeEvents(3)
        let batch = Self.batch(of: events)
        #expect(batch.count == 3)
        #expect(batch.joined == events[0].bytes + [UInt8(ascii: ",")] + events[1].bytes + [UInt8(ascii: ",")] + events[2].bytes)
        for (index, event) in events.enumerated() { #expect(Array(batch[index]) == event.bytes) }
        #expect(EventBatch().isEmpty)
    }

    @Test("the body is the same as for the events one by one")
    func sameBody() async throws {
        let events = try makeEvents(5)
        let viaArray = ScriptedTransport()
        let viaBatch = ScriptedTransport()
        _ = try await makeSender(viaArray, gzip: false).deliver(events)
        _ = try await makeSender(viaBatch, gzip: false).deliver(Self.batch(of: events))
        let (a, b) = (try #require(viaArray.requests.first), try #require(viaBatch.requests.first))
        #expect(a.batch == b.batch)
        #expect(b.uuids == events.map(\.uuid))
    }

    @Test(
        "400 bisection over one buffer isolates the bad events, with their uuids and indexes",
        arguments: [(16, Set([3])), (37, Set([0, 1, 20, 36])), (1, Set([0]))])
    func bisection(count: Int, bad: Set<Int>) async throws {
        let events = try makeEvents(count, marked: bad)
        let transport = ScriptedTransport { request in
            request.batch.contains { $0["properties"]?["bad"] == true } ? .status(400, body: "invalid") : .ok
        }
        let report = try await makeSender(transport).deliver(Self.batch(of: events))
        #expect(report.delivered == count - bad.count)
        #expect(Set(report.rejected.map { Int($0.event.tag) }) == bad)
        for refusal in report.rejected {
            let index = Int(refusal.event.tag)
            #expect(refusal.event.uuid == events[index].uuid)
            #expect(refusal.event.bytes == events[index].bytes)
        }
        let delivered = transport.deliveredUUIDs
        #expect(delivered.count == Set(delivered).count, "no event delivered twice")
        #expect(Set(delivered) == Set(events.map(\.uuid)).subtracting(bad.map { events[$0].uuid }))
    }

    @Test("413 splits one buffer into halves until each part is accepted")
    func split() async throws {
        let events = try makeEvents(8)
        let transport = ScriptedTransport { request in request.batch.count > 2 ? .status(413) : .ok }
        let report = try await makeSender(transport).deliver(Self.batch(of: events))
        #expect(report.delivered == 8)
        #expect(transport.requests.map(\.batch.count) == [8, 4, 2, 2, 4, 2, 2])
        #expect(transport.deliveredUUIDs == events.map(\.uuid))
    }
}
