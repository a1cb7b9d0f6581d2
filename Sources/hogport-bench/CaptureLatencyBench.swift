import Foundation
import HogportKit
import PostHogCore
import PostHogKit

/// `hogport-bench latency`: how long one `capture` call takes, as a request handler sees it,
/// against a healthy loopback sink and against a host refusing connections.
enum CaptureLatencyBench {
    static func run(_ args: [String]) async throws {
        let count = Int(Bench.option(args, "--events") ?? "") ?? 100_000
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hogport-latency-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sink = try await SinkServer.start(SinkConfiguration(databasePath: directory + "/sink.db", apiKey: "phc_bench"))
        let healthy = await measure(host: sink.url, count: count)
        try await sink.stop()
        let dead = await measure(host: "http://127.0.0.1:9", count: count)
        Bench.emit([
            "mode": "latency", "events": .int(Int64(count)),
            "healthy_p50_us": .double(healthy.p50), "healthy_p99_us": .double(healthy.p99), "healthy_max_us": .double(healthy.max),
            "healthy_shutdown_s": .double(healthy.shutdown), "dead_p50_us": .double(dead.p50), "dead_p99_us": .double(dead.p99),
            "dead_max_us": .double(dead.max), "dead_total_s": .double(dead.total), "dead_shutdown_s": .double(dead.shutdown),
            "dead_reported_dropped": .int(Int64(dead.dropped)),
        ])
    }

    struct Result {
        var p50: Double
        var p99: Double
        var max: Double
        var total: Double
        var shutdown: Double
        var dropped: Int
    }

    /// Captures `count` events one after another, timing each call, then shuts down with a 2 s deadline.
    static func measure(host: String, count: Int) async -> Result {
        let dropped = DropCounter()
        var configuration = PostHogConfiguration(apiKey: "phc_bench", host: host)
        configuration.onError = { dropped.add($0.eventCount) }
        let client = PostHogClient(configuration: configuration)
        let clock = ContinuousClock()
        var samples: [Double] = []
        samples.reserveCapacity(count)
        let start = clock.now
        for i in 0..<count {
            let before = clock.now
            await client.capture(distinctId: "user-\(i % 5000)", event: "bench event", properties: ["i": .int(Int64(i)), "plan": "pro"])
            samples.append(Bench.seconds(clock.now - before) * 1e6)
        }
        let total = Bench.seconds(clock.now - start)
        let stopping = clock.now
        await client.shutdown(timeout: .seconds(2))
        let shutdown = Bench.seconds(clock.now - stopping)
        samples.sort()
        func quantile(_ q: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * q))] }
        return Result(p50: quantile(0.5), p99: quantile(0.99), max: samples.last ?? 0, total: total, shutdown: shutdown, dropped: dropped.value)
    }
}
