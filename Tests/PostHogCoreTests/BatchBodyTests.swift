import PostHogCore
import Testing

@Suite("BatchBody")
struct BatchBodyTests {
    static let events: [PostHogEvent] = (0..<3).map {
        PostHogEvent(event: "e\($0)", distinctId: "u\($0)", properties: ["i": .int(Int64($0))], timestamp: Timestamp(microseconds: 1_735_787_045_000_000))
    }

    @Test("api_key, batch, sent_at; historical_migration only when true; never offset")
    func envelope() throws {
        let sentAt = Timestamp(microseconds: 1_735_787_045_123_456)
        let body = BatchBody.encode(apiKey: "phc_k\"ey", events: Self.events.map { $0.encoded() }, historicalMigration: false, sentAt: sentAt)
        let json = try JSONParser.parse(body)
        #expect(Set(json.objectValue?.keys ?? [:].keys) == ["api_key", "batch", "sent_at"])
        #expect(json["api_key"] == "phc_k\"ey")
        #expect(json["sent_at"] == "2025-01-02T03:04:05.123456Z")
        #expect(json["batch"] == .array(Self.events.map(\.jsonValue)))

        let historical = try JSONParser.parse(
            BatchBody.encode(apiKey: "k", events: Self.events.map { $0.encoded() }, historicalMigration: true, sentAt: sentAt))
        #expect(historical["historical_migration"] == true)

        let noSentAt = try JSONParser.parse(BatchBody.encode(apiKey: "k", events: [Self.events[0].encoded()], historicalMigration: false, sentAt: nil))
        #expect(Set(noSentAt.objectValue?.keys ?? [:].keys) == ["api_key", "batch"])
        for value in [json, historical, noSentAt] {
            #expect(value["offset"] == nil)
            for event in value["batch"]?.arrayValue ?? [] { #expect(event["offset"] == nil) }
        }
    }

    @Test("Event bytes are joined as given, in order; an empty batch is an empty array")
    func joining() throws {
        let raw: [[UInt8]] = [Array(#"{"a":1}"#.utf8), Array(#"{"b":[2]}"#.utf8)]
        let body = BatchBody.encode(apiKey: "k", events: raw, historicalMigration: false, sentAt: nil)
        #expect(String(decoding: body, as: UTF8.self) == #"{"api_key":"k","batch":[{"a":1},{"b":[2]}]}"#)
        let empty = BatchBody.encode(apiKey: "k", events: [[UInt8]](), historicalMigration: true, sentAt: nil)
        #expect(String(decoding: empty, as: UTF8.self) == #"{"api_key":"k","batch":[],"historical_migration":true}"#)
    }

    @Test("overhead covers the envelope for sizing batches")
    func overhead() {
        let key = "phc_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
        let body = BatchBody.encode(apiKey: key, events: [[UInt8]](), historicalMigration: true, sentAt: Timestamp(microseconds: 253_402_300_799_999_999))
        #expect(body.count <= BatchBody.overhead(apiKeyLength: key.utf8.count))
    }
}
