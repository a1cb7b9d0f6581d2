@testable import HogportKit
import PostHogCore
import PostHogKit
import Testing

@Suite("Sink: the byte-level batch reader agrees with the general path")
struct SinkBatchScanTests {
    typealias Outcome = Result<SinkRouter.CaptureBatch, SinkRouter.Problem>

    func describe(_ outcome: Outcome) -> String {
        switch outcome {
        case .failure(let problem): return "\(problem.status) \(problem.message)"
        case .success(let batch):
            return batch.rows.map { row in
                let properties = (try? JSONParser.parse(row.properties)).map { JSONWriter.string($0, sortedKeys: true) } ?? "?"
                // A missing uuid becomes a fresh v7 on either path: compare only its presence.
                let uuid = row.uuid.hasPrefix("0190") ? row.uuid : "(generated)"
                return "\(uuid) \(row.event) \(row.distinctId) \(row.timestamp.microseconds) \(properties) \(row.historical) \(row.sentAt ?? "-")"
            }.joined(separator: "\n")
        }
    }

    @Test("2000 random batches: the same rows or the same refusal")
    func differential() {
        var generator = CaptureLineGenerator(seed: 0x51A6)
        let now = Timestamp(microseconds: 1_700_000_000_000_000)
        var scanned = 0
        for n in 0..<2000 {
            let count = Int(generator.next() % 4)
            let events = (0..<count).map { _ in generator.line() }
            let key = generator.chance(0.05) ? "phc_wrong" : "phc_test"
            var envelope = [#""api_key":"\#(key)""#, #""batch":[\#(events.joined(separator: ","))]"#]
            if generator.chance(0.5) { envelope.append(#""historical_migration":true"#) }
            if generator.chance(0.5) { envelope.append(#""sent_at":"2024-05-01T00:00:00Z""#) }
            let body = Array(("{" + envelope.joined(separator: ",") + "}").utf8)
            let isBatchPath = generator.chance(0.8)
            let general = SinkRouter.parseCapture(body, apiKey: "phc_test", isBatchPath: isBatchPath, now: now)
            guard let fast = body.withUnsafeBufferPointer({ SinkRouter.scanBatch($0, apiKey: "phc_test", isBatchPath: isBatchPath, now: now) }) else {
                continue
            }
            scanned += 1
            #expect(describe(fast) == describe(general), "batch \(n): \(String(decoding: body, as: UTF8.self))")
        }
        #expect(scanned > 1500)
    }

    @Test("properties are stored as received")
    func verbatim() throws {
        let body = Array(
            #"{"api_key":"k","batch":[{"event":"e","distinct_id":"d","uuid":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","properties":{"b":1.50,"a":[1,{}]}}]}"#.utf8)
        let outcome = body.withUnsafeBufferPointer { SinkRouter.scanBatch($0, apiKey: "k", isBatchPath: true, now: Timestamp(microseconds: 0)) }
        guard case .success(let batch)? = outcome else {
            Issue.record("expected the fast path to read the batch")
            return
        }
        #expect(String(decoding: batch.rows[0].properties, as: UTF8.self) == #"{"b":1.50,"a":[1,{}]}"#)
    }
}
