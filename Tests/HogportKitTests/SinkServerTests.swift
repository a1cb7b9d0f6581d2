import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

@Suite("SinkServer over loopback HTTP")
struct SinkServerTests {
    @Test("Binds 127.0.0.1 on a free port and reports it in its URL")
    func binding() async throws {
        try await withSink { first throws in
            try await withSink { second throws in
                #expect(first.host == "127.0.0.1")
                #expect(first.port > 0 && second.port > 0)
                #expect(first.port != second.port)
                #expect(first.url == "http://127.0.0.1:\(first.port)")
            }
        }
    }

    @Test("A gzipped batch with the header, and one with magic bytes only, are both stored")
    func gzipOverTheWire() async throws {
        try await withSink { sink throws in
            let withHeader = try await sink.post("/batch/", json: RawEvents.batch([RawEvents.event("h")]), gzip: true, header: true)
            let magicOnly = try await sink.post("/batch/", json: RawEvents.batch([RawEvents.event("m")]), gzip: true, header: false)
            #expect(withHeader.status == 200)
            #expect(magicOnly.status == 200)
            #expect(withHeader.json == ["status": "Ok"])
            #expect(withHeader.header("Content-Type") == "application/json")
            #expect(try sink.storedEvents().map(\.event) == ["h", "m"])
        }
    }

    @Test("Invalid gzip is 400, a wrong key 401, an invalid event 400, an unknown path 404")
    func errorsOverTheWire() async throws {
        try await withSink { sink throws in
            let garbage = try await sink.request(
                "POST", "/batch/", body: [0x1F, 0x8B, 0x08, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9], headers: [("Content-Encoding", "gzip")])
            #expect(garbage.status == 400)
            #expect(garbage.text.contains("invalid GZIP data"))
            #expect(try await sink.post("/batch/", json: RawEvents.batch([RawEvents.event()], apiKey: "phc_wrong")).status == 401)
            #expect(try await sink.post("/batch/", json: RawEvents.batch([RawEvents.event()], apiKey: nil)).status == 401)
            #expect(try await sink.post("/batch/", json: RawEvents.batch([RawEvents.event(), ["event": "x"]])).status == 400)
            #expect(try await sink.request("GET", "/no/such/path").status == 404)
            #expect(try sink.storedEvents().isEmpty)
        }
    }

    @Test("A body over maximumBodyBytes is 413 and not stored; just under is fine")
    func bodyLimit() async throws {
        try await withSink(configure: { $0.maximumBodyBytes = 4096 }) { sink throws in
            func batch(padding: Int) -> [UInt8] {
                JSONWriter.encode(RawEvents.batch([RawEvents.event(properties: ["p": .string(String(repeating: "x", count: padding))])]))
            }
            var small = batch(padding: 0)
            small = batch(padding: 4096 - small.count)
            #expect(small.count == 4096)
            let accepted = try await sink.request("POST", "/batch/", body: small, headers: [("Content-Type", "application/json")])
            #expect(accepted.status == 200)
            let tooBig = try await sink.request("POST", "/batch/", body: batch(padding: 5000), headers: [("Content-Type", "application/json")])
            #expect(tooBig.status == 413)
            #expect(try sink.storedEvents().count == 1)
            // The sink keeps serving after a 413.
            #expect(try await sink.post("/batch/", json: RawEvents.batch([RawEvents.event()])).status == 200)
        }
    }

    @Test("Routes over the wire: /batch/, /batch, /capture/, /e/, /i/v0/e/ with single objects and arrays")
    func routesOverTheWire() async throws {
        try await withSink { sink throws in
            var expected: [String] = []
            for path in ["/batch/", "/batch", "/capture/", "/e/", "/i/v0/e/"] {
                var single = RawEvents.event("\(path) single").objectValue!
                single["api_key"] = .string(TestKeys.project)
                #expect(try await sink.post(path, json: .object(single)).status == 200, "\(path)")
                var first = RawEvents.event("\(path) array").objectValue!
                first["token"] = .string(TestKeys.project)
                #expect(try await sink.post(path, json: [.object(first)], gzip: true).status == 200, "\(path)")
                expected += ["\(path) single", "\(path) array"]
            }
            #expect(try sink.storedEvents().map(\.event) == expected)
        }
    }

    @Test("GET /_sink/stats reports counts over HTTP")
    func statsOverTheWire() async throws {
        try await withSink { sink throws in
            _ = try await sink.post("/batch/", json: RawEvents.batch([RawEvents.event(), RawEvents.event()], historical: true))
            _ = try await sink.post("/batch/", json: RawEvents.batch([RawEvents.event()], apiKey: "nope"))
            let stats = try await sink.request("GET", "/_sink/stats")
            #expect(stats.status == 200)
            let json = try #require(stats.json)
            #expect(json["requests"] == 2)
            #expect(json["events"] == 2)
            #expect(json["distinct_uuids"] == 2)
            #expect(json["historical_batches"] == 1)
            #expect(json["statuses"] == ["200": 1, "401": 1])
        }
    }

    @Test("Injected faults over the wire: failures carry Retry-After, drops close the connection without an answer")
    func faultsOverTheWire() async throws {
        try await withSink(configure: {
            $0.faults.failRate = 1
            $0.faults.failCodes = [429]
            $0.faults.retryAfter = 3
        }) { sink throws in
            let response = try await sink.post("/batch/", json: RawEvents.batch([RawEvents.event()]))
            #expect(response.status == 429)
            #expect(response.header("Retry-After") == "3")
            #expect(try await sink.request("GET", "/_sink/stats").status == 200, "faults spare non-capture routes")
            #expect(try sink.storedEvents().isEmpty)
        }
        try await withSink(configure: { $0.faults.dropRate = 1 }) { sink throws in
            await #expect(throws: (any Error).self) {
                try await sink.post("/batch/", json: RawEvents.batch([RawEvents.event()]))
            }
            #expect(sink.router.statistics.dropped == 1)
            #expect(try sink.storedEvents().isEmpty)
        }
    }

    @Test("Latency delays capture answers")
    func latency() async throws {
        try await withSink(configure: { $0.faults.latencyMilliseconds = 150 }) { sink throws in
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try await sink.post("/batch/", json: RawEvents.batch([RawEvents.event()])).status == 200)
            #expect(clock.now - start >= .milliseconds(150))
            #expect(sink.router.configuration.faults.isActive)
        }
    }

    @Test("Concurrent senders: every request is answered and every event stored once")
    func concurrency() async throws {
        try await withSink { sink throws in
            let uuids = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        var mine: [String] = []
                        for i in 0..<10 {
                            let events = (0..<5).map { j in RawEvents.event("w\(worker)-\(i)-\(j)") }
                            let response = try await sink.post("/batch/", json: RawEvents.batch(events), gzip: i % 2 == 0)
                            #expect(response.status == 200)
                            mine += events.compactMap { $0["uuid"]?.stringValue }
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let stored = try sink.storedEvents().map(\.uuid)
            #expect(stored.count == 300)
            #expect(Set(stored) == Set(uuids))
        }
    }

    @Test("The database outlives the server: a new store on the same file sees the events")
    func persistence() async throws {
        try await withTemporaryDirectory { directory async throws in
            let path = directory.file("persist.db")
            let server = try await SinkServer.start(SinkConfiguration(databasePath: path, apiKey: TestKeys.project))
            #expect(try await server.post("/batch/", json: RawEvents.batch([RawEvents.event("kept")])).status == 200)
            try await server.stop()
            let summary = try SinkStore(path: path).summary()
            #expect(summary.events == 1)
            #expect(summary.byEvent.first?.name == "kept")
        }
    }
}
