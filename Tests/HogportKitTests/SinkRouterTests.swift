import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// A router over a store in a temporary directory: the capture contract without sockets.
func withRouter<R>(
    configure: (inout SinkConfiguration) -> Void = { _ in }, _ body: (SinkRouter) throws -> R
) throws -> R {
    try withTemporaryDirectory { directory throws in
        var configuration = SinkConfiguration(databasePath: directory.file("sink.db"), apiKey: TestKeys.project)
        configure(&configuration)
        let router = SinkRouter(configuration: configuration, store: try SinkStore(path: configuration.databasePath))
        return try body(router)
    }
}

extension SinkRouter {
    func post(_ path: String, _ json: JSONValue, headers: [(String, String)] = []) -> SinkResponse {
        handle(SinkRequest(method: "POST", uri: path, headers: headers, body: JSONWriter.encode(json)))
    }

    func post(_ path: String, bytes: [UInt8], headers: [(String, String)] = []) -> SinkResponse {
        handle(SinkRequest(method: "POST", uri: path, headers: headers, body: bytes))
    }
}

extension SinkResponse {
    var text: String {
        if case .respond(_, _, let body) = self { return String(decoding: body, as: UTF8.self) }
        return ""
    }
}

@Suite("SinkRouter: PostHog's capture contract")
struct SinkRouterTests {
    @Test("A valid batch is stored: 200 {\"status\":\"Ok\"}")
    func validBatch() throws {
        try withRouter { router throws in
            let events = (0..<3).map { RawEvents.event("e\($0)", distinctId: "u\($0)", properties: ["n": .int(Int64($0))]) }
            let response = router.post("/batch/", RawEvents.batch(events))
            #expect(response.status == 200)
            #expect(try JSONParser.parse(response.text) == ["status": "Ok"])
            let stored = try router.store.allEvents()
            #expect(stored.map(\.event) == ["e0", "e1", "e2"])
            #expect(stored.map(\.uuid) == events.compactMap { $0["uuid"]?.stringValue })
            #expect(stored[1].properties["n"] == 1)
        }
    }

    @Test("401 for a wrong key or no key; nothing stored")
    func apiKeys() throws {
        try withRouter { router throws in
            let event = RawEvents.event()
            #expect(router.post("/batch/", RawEvents.batch([event], apiKey: "phc_other")).status == 401)
            #expect(router.post("/batch/", RawEvents.batch([event], apiKey: nil)).status == 401)
            #expect(router.post("/batch/", RawEvents.batch([event], apiKey: "")).status == 401)
            #expect(router.post("/e/", event).status == 401, "a single event without a token")
            #expect(try router.store.allEvents().isEmpty)
            // "token" is an alias of "api_key" in the envelope.
            #expect(router.post("/batch/", ["token": .string(TestKeys.project), "batch": [event]]).status == 200)
        }
    }

    @Test(
        "400 for the whole batch when one event is invalid, and nothing of it stored",
        arguments: [
            ("no event name", JSONValue.object(["distinct_id": "u", "properties": [:]])),
            ("empty event name", ["event": "", "distinct_id": "u"]),
            ("no distinct_id", ["event": "e", "properties": [:]]),
            ("null distinct_id", ["event": "e", "distinct_id": nil]),
            ("empty distinct_id", ["event": "e", "distinct_id": ""]),
            ("invalid uuid", ["event": "e", "distinct_id": "u", "uuid": "not-a-uuid"]),
            ("numeric uuid", ["event": "e", "distinct_id": "u", "uuid": 12]),
            ("not an object", "just a string"),
        ] as [(String, JSONValue)])
    func invalidEvent(label: String, bad: JSONValue) throws {
        try withRouter { router throws in
            let batch = RawEvents.batch([RawEvents.event("good-1"), bad, RawEvents.event("good-2")])
            let response = router.post("/batch/", batch)
            #expect(response.status == 400, "\(label): \(response.text)")
            #expect(try router.store.allEvents().isEmpty, "\(label): part of a refused batch was stored")
        }
    }

    @Test("Error bodies are plain text naming the problem")
    func errorMessages() throws {
        try withRouter { router throws in
            #expect(router.post("/batch/", RawEvents.batch([["distinct_id": "u"]])).text.contains("MissingEventName"))
            #expect(router.post("/batch/", RawEvents.batch([["event": "e"]])).text.contains("MissingDistinctId"))
            #expect(router.post("/batch/", RawEvents.batch([])).text.contains("EmptyBatch"))
            #expect(router.post("/batch/", RawEvents.batch([])).status == 400)
            #expect(router.post("/batch/", bytes: Array("{not json".utf8)).status == 400)
            #expect(router.post("/batch/", ["batch": "nope", "api_key": .string(TestKeys.project)]).status == 400)
            #expect(router.post("/batch/", .int(5)).status == 400)
        }
    }

    @Test("distinct_id from $distinct_id or properties.distinct_id is accepted; non-strings are stringified")
    func distinctIdSources() throws {
        try withRouter { router throws in
            let events: [JSONValue] = [
                ["event": "a", "$distinct_id": "from-dollar"],
                ["event": "b", "properties": ["distinct_id": "from-properties"]],
                ["event": "c", "distinct_id": 123],
                ["event": "d", "distinct_id": .string(String(repeating: "x", count: 250))],
            ]
            #expect(router.post("/batch/", RawEvents.batch(events)).status == 200)
            let stored = try router.store.allEvents()
            #expect(stored.map(\.distinctId).prefix(3) == ["from-dollar", "from-properties", "123"])
            #expect(stored.last?.distinctId.count == 200, "truncated to 200 characters as PostHog does")
        }
    }

    @Test("uuid: kept lowercased when given, a v7 when missing or empty")
    func uuids() throws {
        try withRouter { router throws in
            let events: [JSONValue] = [
                RawEvents.event("given", uuid: "0189D5B2-3C4E-7A1B-9C2D-3E4F5A6B7C8D"), RawEvents.event("missing", uuid: nil),
                ["event": "empty", "distinct_id": "u", "uuid": ""],
            ]
            #expect(router.post("/batch/", RawEvents.batch(events)).status == 200)
            let stored = try router.store.allEvents()
            #expect(stored[0].uuid == "0189d5b2-3c4e-7a1b-9c2d-3e4f5a6b7c8d")
            for event in stored.dropFirst() {
                #expect(EventUUID.isValid(event.uuid))
                #expect(Array(event.uuid)[14] == "7")
            }
        }
    }

    @Test("Top-level $set and $set_once are merged into properties, the top-level keys winning")
    func setMerge() throws {
        try withRouter { router throws in
            let event: JSONValue = [
                "event": "$identify", "distinct_id": "u", "$set": ["email": "top@x", "name": "Max"], "$set_once": ["first": "a"],
                "properties": ["$set": ["email": "inner@x", "plan": "pro"], "other": 1],
            ]
            #expect(router.post("/batch/", RawEvents.batch([event])).status == 200)
            let stored = try #require(try router.store.allEvents().first)
            #expect(stored.properties["$set"] == ["email": "top@x", "name": "Max", "plan": "pro"])
            #expect(stored.properties["$set_once"] == ["first": "a"])
            #expect(stored.properties["other"] == 1)
        }
    }

    @Test("historical_migration and sent_at are stored for /batch, ignored elsewhere")
    func historicalAndSentAt() throws {
        try withRouter { router throws in
            let sentAt = "2025-01-02T03:04:05.678Z"
            #expect(router.post("/batch/", RawEvents.batch([RawEvents.event("hist")], historical: true, sentAt: sentAt)).status == 200)
            #expect(router.post("/batch", RawEvents.batch([RawEvents.event("live")], historical: false)).status == 200)
            var single = RawEvents.event("single").objectValue!
            single["api_key"] = .string(TestKeys.project)
            single["historical_migration"] = true
            single["sent_at"] = .string(sentAt)
            #expect(router.post("/e/", .object(single)).status == 200)
            let stored = try router.store.allEvents()
            #expect(stored.map(\.historical) == [true, false, false])
            #expect(stored.map(\.sentAt) == [sentAt, nil, nil])
            #expect(router.statistics.historicalBatches == 1)
        }
    }

    @Test("Event timestamps are parsed; a missing or unparsable one becomes the arrival time")
    func timestamps() throws {
        try withRouter { router throws in
            let before = Timestamp.now()
            let events = [
                RawEvents.event("a", timestamp: "2021-03-04T05:06:07.123456+00:00"), RawEvents.event("b", timestamp: "yesterday"),
                RawEvents.event("c"),
            ]
            #expect(router.post("/batch/", RawEvents.batch(events)).status == 200)
            let after = Timestamp.now()
            let stored = try router.store.allEvents()
            #expect(stored[0].timestamp == Timestamp(iso8601: "2021-03-04T05:06:07.123456Z"))
            for event in stored.dropFirst() { #expect(event.timestamp >= before && event.timestamp <= after) }
        }
    }

    @Test(
        "Capture routes take a batch envelope, a single object or an array",
        arguments: ["/batch/", "/batch", "/capture/", "/capture", "/e/", "/e", "/i/v0/e/", "/i/v0/e", "/track/"])
    func routes(path: String) throws {
        try withRouter { router throws in
            var single = RawEvents.event("single").objectValue!
            single["api_key"] = .string(TestKeys.project)
            #expect(router.post(path, .object(single)).status == 200, "\(path) single object")
            var first = RawEvents.event("array-1").objectValue!
            first["token"] = .string(TestKeys.project)
            #expect(router.post(path, [.object(first), RawEvents.event("array-2")]).status == 200, "\(path) array")
            #expect(router.post(path, RawEvents.batch([RawEvents.event("batch")])).status == 200, "\(path) envelope")
            #expect(router.post("\(path)?ver=1.2&_=1735787045678", RawEvents.batch([RawEvents.event("query")])).status == 200)
            #expect(try router.store.allEvents().map(\.event) == ["single", "array-1", "array-2", "batch", "query"])
        }
    }

    @Test("Gzip is detected by the header, by ?compression=, and by magic bytes with no hint")
    func gzipDetection() throws {
        try withRouter { router throws in
            let body = try Gzip.compress(JSONWriter.encode(RawEvents.batch([RawEvents.event("gz")])))
            #expect(router.post("/batch/", bytes: body, headers: [("Content-Encoding", "gzip")]).status == 200)
            #expect(router.post("/batch/", bytes: body).status == 200, "no header: magic bytes")
            #expect(router.post("/batch/?compression=gzip-js", bytes: body).status == 200)
            #expect(router.post("/batch/", bytes: body, headers: [("Content-Encoding", "identity")]).status == 200)
            #expect(try router.store.allEvents().count == 4)
        }
    }

    @Test("Invalid gzip is 400")
    func invalidGzip() throws {
        try withRouter { router throws in
            let good = try Gzip.compress(JSONWriter.encode(RawEvents.batch([RawEvents.event()])))
            let cases: [([UInt8], [(String, String)])] = [
                ([0x1F, 0x8B, 0x08, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], []),
                (Array(good.dropLast(6)), []),
                (Array(JSONWriter.encode(RawEvents.batch([RawEvents.event()]))), [("Content-Encoding", "gzip")]),
            ]
            for (bytes, headers) in cases {
                let response = router.post("/batch/", bytes: bytes, headers: headers)
                #expect(response.status == 400)
                #expect(response.text.contains("GZIP"))
            }
            #expect(try router.store.allEvents().isEmpty)
        }
    }

    @Test("A body over the decompressed limit is 413")
    func decompressedLimit() throws {
        try withRouter(configure: { $0.maximumDecompressedBytes = 10_000 }) { router throws in
            let padding: JSONValue = .string(String(repeating: "a", count: 20_000))
            let body = try Gzip.compress(JSONWriter.encode(RawEvents.batch([RawEvents.event(properties: ["p": padding])])))
            #expect(body.count < 10_000)
            #expect(router.post("/batch/", bytes: body).status == 413)
        }
    }

    @Test("A single event over 1 MB is 413")
    func eventTooBig() throws {
        try withRouter { router throws in
            let big: JSONValue = .string(String(repeating: "b", count: 1_000_001))
            let response = router.post("/batch/", RawEvents.batch([RawEvents.event(properties: ["big": big])]))
            #expect(response.status == 413)
            #expect(response.text.contains("EventTooBig"))
        }
    }

    @Test("Unknown paths and non-POST capture requests are 404")
    func notFound() throws {
        try withRouter { router throws in
            #expect(router.post("/nope", RawEvents.batch([RawEvents.event()])).status == 404)
            #expect(router.post("/batch/extra", RawEvents.batch([RawEvents.event()])).status == 404)
            #expect(router.handle(SinkRequest(method: "GET", uri: "/batch/", headers: [], body: [])).status == 404)
            #expect(router.handle(SinkRequest(method: "POST", uri: "/_sink/stats", headers: [], body: [])).status == 404)
        }
    }

    @Test("Extra routes are consulted before a 404")
    func extraRoutes() throws {
        try withRouter { router throws in
            router.addRoute { $0.path == "/custom" ? .respond(status: 204, headers: [], body: []) : nil }
            #expect(router.handle(SinkRequest(method: "GET", uri: "/custom", headers: [], body: [])).status == 204)
            #expect(router.handle(SinkRequest(method: "GET", uri: "/other", headers: [], body: [])).status == 404)
        }
    }

    @Test("GET /_sink/stats counts requests, statuses, events and distinct uuids")
    func stats() throws {
        try withRouter { router throws in
            let uuid = EventUUID.v7()
            #expect(router.post("/batch/", RawEvents.batch([RawEvents.event(uuid: uuid), RawEvents.event(uuid: uuid)])).status == 200)
            #expect(router.post("/batch/", RawEvents.batch([RawEvents.event()], historical: true)).status == 200)
            #expect(router.post("/batch/", RawEvents.batch([RawEvents.event()], apiKey: "bad")).status == 401)
            #expect(router.post("/batch/", RawEvents.batch([["event": "x"]])).status == 400)
            let response = router.handle(SinkRequest(method: "GET", uri: "/_sink/stats", headers: [], body: []))
            #expect(response.status == 200)
            let stats = try JSONParser.parse(response.text)
            #expect(stats["requests"] == 4)
            #expect(stats["statuses"] == ["200": 2, "401": 1, "400": 1])
            #expect(stats["events"] == 3)
            #expect(stats["distinct_uuids"] == 2)
            #expect(stats["historical_batches"] == 1)
            #expect(stats["dropped"] == 0)
            #expect(stats["injected_failures"] == 0)
            #expect(router.statistics.eventsStored == 3)
        }
    }

    @Test("Fault injection: the configured share fails or drops, codes in turn with Retry-After, and is counted")
    func faultStatistics() throws {
        try withRouter(configure: {
            $0.faults.failRate = 0.3
            $0.faults.dropRate = 0.2
            $0.faults.failCodes = [503, 429]
            $0.faults.retryAfter = 4
            $0.faults.seed = 7
        }) { router throws in
            var answered = 0
            var dropped = 0
            var injected: [Int] = []
            for _ in 0..<1000 {
                let response = router.post("/batch/", RawEvents.batch([RawEvents.event()]))
                switch response {
                case .drop: dropped += 1
                case .respond(let status, let headers, _):
                    if status == 200 {
                        answered += 1
                    } else {
                        injected.append(status)
                        #expect(headers.contains { $0.0 == "Retry-After" && $0.1 == "4" })
                    }
                }
            }
            #expect((150...250).contains(dropped), "drop rate 0.2: \(dropped)")
            #expect((240...360).contains(injected.count), "fail rate 0.3: \(injected.count)")
            #expect(injected.enumerated().allSatisfy { $0.element == [503, 429][$0.offset % 2] }, "codes are used in turn")
            let stats = router.statistics
            #expect(stats.requests == 1000)
            #expect(stats.dropped == dropped)
            #expect(stats.injectedFailures == injected.count)
            #expect(stats.statuses[200] == answered)
            #expect(stats.statuses[503] == injected.filter { $0 == 503 }.count)
            #expect(stats.eventsStored == answered)
            #expect(try router.store.counts().events == answered, "faulted requests store nothing")
            // Faults apply to capture routes only.
            #expect(router.handle(SinkRequest(method: "GET", uri: "/_sink/stats", headers: [], body: [])).status == 200)
        }
    }

    @Test("The same seed gives the same faults")
    func faultSeed() throws {
        func outcomes(seed: UInt64) throws -> [Int?] {
            try withRouter(configure: {
                $0.faults.failRate = 0.5
                $0.faults.dropRate = 0.1
                $0.faults.seed = seed
            }) { router throws in
                (0..<50).map { _ in router.post("/batch/", RawEvents.batch([RawEvents.event()])).status }
            }
        }
        #expect(try outcomes(seed: 1) == outcomes(seed: 1))
        #expect(try outcomes(seed: 1) != outcomes(seed: 2))
    }

    @Test("Configuration defaults follow PostHog: 20 MiB on the wire, five times that decompressed, loopback")
    func defaults() {
        let configuration = SinkConfiguration(databasePath: "/x", apiKey: "k")
        #expect(configuration.maximumBodyBytes == 20 * 1024 * 1024)
        #expect(configuration.maximumDecompressedBytes == 5 * 20 * 1024 * 1024)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 0)
        #expect(!configuration.faults.isActive)
        #expect(SinkRouter.isCapture("/batch/") && SinkRouter.isCapture("/i/v0/e") && !SinkRouter.isCapture("/decide"))
    }

    @Test("Query strings are split and percent-decoded")
    func queryParsing() {
        let request = SinkRequest(method: "GET", uri: "/x/y?a=1&b=hello%20world&c=a+b&flag", headers: [("X-Key", "v")], body: [])
        #expect(request.path == "/x/y")
        #expect(request.query == ["a": "1", "b": "hello world", "c": "a b", "flag": ""])
        #expect(request.header("x-key") == "v")
    }
}
