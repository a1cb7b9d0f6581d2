import HogportKit
import Testing

/// UploadGate: uploads start while the concurrency limit and the budget of bytes in flight allow.
@Suite("UploadGate")
struct UploadGateTests {
    @Test("the byte budget holds large batches back; one upload may always start")
    func byteBudget() {
        var gate = UploadGate(maxConcurrency: 8, rate: 0, now: 0, maxBytesInFlight: 10_000)
        #expect(gate.canStart(bytes: 50_000), "nothing in flight: any size may start")
        _ = gate.start(events: 100, bytes: 50_000, now: 0)
        #expect(!gate.canStart(bytes: 1), "over the budget: nothing more")
        gate.finish(rtt: 0.01, backPressure: false, bytes: 50_000, now: 0.01)
        #expect(gate.bytesInFlight == 0)
        _ = gate.start(events: 10, bytes: 6_000, now: 0.01)
        #expect(!gate.canStart(bytes: 6_000))
        #expect(gate.canStart(bytes: 4_000))
        _ = gate.start(events: 10, bytes: 4_000, now: 0.01)
        #expect(gate.bytesInFlight == 10_000)
        #expect(gate.inFlight == 2)
    }

    @Test("small batches are held back by the concurrency limit, not the bytes")
    func concurrencyLimit() {
        var gate = UploadGate(maxConcurrency: 8, rate: 0, now: 0)
        var started = 0
        while gate.canStart(bytes: 300_000) {
            _ = gate.start(events: 1_000, bytes: 300_000, now: 0)
            started += 1
        }
        #expect(started == gate.concurrency.limit)
        #expect(gate.bytesInFlight == started * 300_000)
    }
}
