@testable import HogportKit
import PostHogCore
import Testing

/// BatchCounter (the count-only sink): the number of elements of the top-level `batch` array,
/// whatever the strings and nested values of the events hold.
@Suite("BatchCounter")
struct BatchCounterTests {
    static let tricky = [
        #""plain""#, #""with \"quotes\" and \\ backslashes\\""#, #""brackets ] } [ { , inside""#, #""\\""#, #""""#,
        #"{"batch":[1,2,{"batch":[3]}]}"#, #"[[], {}, [1, [2]], "x,y"]"#, "-12.5e3", "true", "null",
    ]

    static func body(events: Int, seed: UInt64, spaced: Bool) -> String {
        var random = SplitMix64(seed: seed)
        let gap = spaced ? " \n\t" : ""
        let list = (0..<events).map { n -> String in
            let value = tricky[Int(random.next() % UInt64(tricky.count))]
            return #"{"event":"e\#(n)","properties":{"v":\#(value),"batch":\#(value)}}"#
        }
        let batch = "[" + gap + list.joined(separator: gap + "," + gap) + gap + "]"
        return #"{"api_key":"k\"]","meta":{"batch":[1,2,3]},"batch":"# + gap + batch + #","sent_at":"2024-01-01T00:00:00Z"}"#
    }

    @Test("random bodies: the count is the number of events", arguments: [0, 1, 2, 7, 100])
    func counts(events: Int) {
        for seed in UInt64(1)...20 {
            for spaced in [false, true] {
                let text = Self.body(events: events, seed: seed, spaced: spaced)
                #expect((try? JSONParser.parse(text)) != nil, "the body is valid JSON")
                #expect(BatchCounter.count(Array(text.utf8)) == events, "\(text)")
            }
        }
    }

    @Test("a body without a batch array is one event")
    func single() {
        #expect(BatchCounter.count(Array(#"{"event":"e","properties":{"batch":[1,2]}}"#.utf8)) == 1)
        #expect(BatchCounter.count(Array(#"{"batch":"not an array","event":"e"}"#.utf8)) == 1)
    }
}
