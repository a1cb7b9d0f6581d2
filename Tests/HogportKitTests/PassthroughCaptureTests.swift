import HogportKit
import PostHogCore
import PostHogKit
import Testing

/// Random PostHog-shaped lines, most plain captures, some with each thing the fast path must
/// hand to the general path.
struct CaptureLineGenerator {
    var random: SplitMix64
    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { random.next() }
    mutating func pick<T>(_ options: [T]) -> T { options[Int(next() % UInt64(options.count))] }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
    /// The first option most of the time, else any.
    mutating func mostly<T>(_ options: [T]) -> T { chance(0.8) ? options[0] : pick(options) }

    mutating func value(depth: Int) -> String {
        if depth < 3 && chance(0.2) {
            let n = Int(next() % 4)
            return "[" + (0..<n).map { _ in value(depth: depth + 1) }.joined(separator: ",") + "]"
        }
        if depth < 3 && chance(0.2) { return object(depth: depth + 1) }
        return pick([
            "1", "-0", "1.0", "2.5e3", "12345678901234567890", "true", "false", "null", #""plain""#, #""esc \"q\" \\ \/ \n""#,
            #""h\u00e9 ☃ 😀""#, #""pair \ud83d\ude00""#, #""lone \ud83d""#, #""tab\there""#,
        ])
    }

    mutating func object(depth: Int) -> String {
        let n = Int(next() % 5)
        var keys: [String] = []
        for i in 0..<n { keys.append("\"\(pick(["a", "$current_url", "plan", "ключ", "x\\\"y"]))\(i)\":\(value(depth: depth))") }
        return "{" + keys.joined(separator: ",") + "}"
    }

    mutating func line() -> String {
        var members: [String] = []
        if !chance(0.03) {
            members.append(#""event":"# + mostly([#""signed up""#, #""$pageview""#, #""$identify""#, #""$create_alias""#, #""""#, "5", #""Ünïcode \"ev\"""#]))
        }
        if !chance(0.03) {
            members.append(#""distinct_id":"# + mostly([#""user-1""#, #""u\u00e9""#, #""""#, "42", "null", "\"" + String(repeating: "d", count: 201) + "\""]))
        }
        if !chance(0.03) {
            members.append(
                #""timestamp":"#
                    + mostly([
                        #""2024-03-01T10:00:00Z""#, #""2024-03-01T10:00:00.123456+02:00""#, #""2024-03-01 10:00:00""#, "1709287200", "1709287200123",
                        #""yesterday""#, "null", #""2024-02-30T00:00:00Z""#,
                    ]))
        }
        if !chance(0.1) {
            members.append(
                #""uuid":"#
                    + mostly([
                        #""0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b""#, #""0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B""#, #""{0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b}""#,
                        #""not-a-uuid""#, "7",
                    ]))
        }
        if !chance(0.05) { members.append(#""properties":"# + (chance(0.05) ? #""{\"a\":1}""# : chance(0.03) ? "null" : object(depth: 0))) }
        if chance(0.03) { members.append(#""$set":{"email":"a@b.c"}"#) }
        if chance(0.03) { members.append(#""type":"capture""#) }
        if chance(0.05) { members.append(#""person_id":"p-1""#) }
        if chance(0.02) { members.append(#""event":"twice""#) }
        var shuffled = members
        for i in shuffled.indices.reversed() { shuffled.swapAt(i, Int(next() % UInt64(i + 1))) }
        return "{" + shuffled.joined(separator: chance(0.1) ? " , " : ",") + "}"
    }
}

@Suite("PassthroughCapture: the fast path gives what the general path gives")
struct PassthroughCaptureTests {
    @Test("5000 random lines: where the fast path answers, the general path sends the same event")
    func differential() throws {
        var generator = CaptureLineGenerator(seed: 0xFA57)
        let builder = MessageBuilder()
        var fast = 0
        var fellBack = 0
        for n in 0..<5000 {
            let bytes = Array(generator.line().utf8)
            let quick = bytes.withUnsafeBufferPointer { PassthroughCapture.encode($0, tag: 3) }
            let row = RowReader.Row.parsed(bytes[...], line: 1, offset: 0, endOffset: Int64(bytes.count))
            var general: EncodedEvent?
            var generalTime: Timestamp?
            if case .object(let object, _, _, _, _) = row, case .message(let message)? = try? builder.build(object), message.kind == .capture {
                general = try? EncodedEvent(message.event)
                generalTime = message.event.timestamp
            }
            guard let quick else {
                fellBack += 1
                continue
            }
            fast += 1
            let line = String(decoding: bytes, as: UTF8.self)
            guard let general else {
                Issue.record("line \(n): the fast path accepted what the general path refuses: \(line)")
                continue
            }
            #expect(quick.event.uuid == general.uuid, "line \(n)")
            #expect(quick.event.tag == 3)
            #expect(quick.timestamp == generalTime, "line \(n)")
            #expect(try JSONParser.parse(quick.event.bytes) == JSONParser.parse(general.bytes), "line \(n): \(line)")
        }
        #expect(fast > 1000, "the fast path must take the plain lines (took \(fast))")
        #expect(fellBack > 1000, "the generator must exercise the fallbacks (fell back \(fellBack))")
    }

    @Test("properties are copied through byte for byte; a missing object becomes {}")
    func verbatim() throws {
        let line = Array(
            #"{"uuid":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","event":"e","distinct_id":"d","timestamp":"2024-01-01T00:00:00Z","properties":{"z":1.50,"a":"\u00e9"}}"#
                .utf8)
        let encoded = try #require(line.withUnsafeBufferPointer { PassthroughCapture.encode($0) })
        #expect(
            String(decoding: encoded.event.bytes, as: UTF8.self)
                == #"{"event":"e","distinct_id":"d","properties":{"z":1.50,"a":"\u00e9"},"timestamp":"2024-01-01T00:00:00.000Z","uuid":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}"#
        )
        let bare = Array(#"{"uuid":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","event":"e","distinct_id":"d","timestamp":1704067200}"#.utf8)
        let plain = try #require(bare.withUnsafeBufferPointer { PassthroughCapture.encode($0) })
        #expect(try JSONParser.parse(plain.event.bytes)["properties"] == .object([:]))
    }

    @Test(
        "with GeoIP off, the flag is added unless $ip or $geoip_disable is a top-level property (as on the general path)",
        arguments: [
            (#"{"$ip":"1.2.3.4"}"#, false),
            (#"{"a":1,"$geoip_disable":false}"#, false),
            (#"{"x":"$ip"}"#, true),
            (#"{"nested":{"$ip":"1.2.3.4"}}"#, true),
            (#"{"list":["$geoip_disable"]}"#, true),
            (#"{"a":"$","b":"$i","c":"$ip\"","$ip_x":1}"#, true),
            (#"{}"#, true),
        ])
    func geoIPFlag(properties: String, added: Bool) throws {
        let text = #"{"uuid":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","event":"e","distinct_id":"d","timestamp":"2024-01-01T00:00:00Z","properties":"#
        let line = Array((text + properties + "}").utf8)
        let encoded = try #require(line.withUnsafeBufferPointer { PassthroughCapture.encode($0, disableGeoIP: true) })
        let sent = try JSONParser.parse(encoded.event.bytes)["properties"]
        #expect((sent?["$geoip_disable"] == .bool(true)) == added, "\(properties)")
        let original = try JSONParser.parse(properties)
        if case .object(let members) = original {
            for (key, value) in members { #expect(sent?[key] == value, "\(properties): \(key) kept") }
        }
    }
}
