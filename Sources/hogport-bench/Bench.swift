import Foundation
import HogportKit
import PostHogKit

/// `make bench` measurements. Each mode prints one JSON object; scripts/bench.sh puts them side
/// by side with posthog-python's numbers. Nothing here is asserted: these are reports.
@main
enum Bench {
    static func main() async throws {
        let args = CommandLine.arguments.dropFirst()
        switch args.first {
        case "client": try await clientThroughput(Array(args.dropFirst()))
        case "core": coreThroughput()
        case "flags": try flags(Array(args.dropFirst()))
        default:
            FileHandle.standardError.write(Data("usage: hogport-bench client|core|flags …\n".utf8))
            exit(2)
        }
    }

    static func option(_ args: [String], _ name: String) -> String? {
        guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
        return args[i + 1]
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func emit(_ value: JSONValue) {
        print(JSONWriter.string(value, sortedKeys: true))
    }

    /// PostHogKit end to end: capture N events into an in-process sink.
    static func clientThroughput(_ args: [String]) async throws {
        let count = Int(option(args, "--events") ?? "") ?? 200_000
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hogport-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sink = try await SinkServer.start(SinkConfiguration(databasePath: directory + "/sink.db", apiKey: "phc_bench"))
        var configuration = PostHogConfiguration(apiKey: "phc_bench", host: sink.url)
        configuration.flushAt = 1000
        let client = PostHogClient(configuration: configuration)
        let clock = ContinuousClock()
        let start = clock.now
        let base = Timestamp.now().microseconds - 86_400_000_000
        for i in 0..<count {
            await client.enqueue(
                .capture(
                    "bench event", distinctId: "user-\(i % 5000)",
                    properties: ["i": .int(Int64(i)), "plan": "pro", "price": 9.5, "$current_url": .string("https://example.com/p/\(i % 100)")],
                    timestamp: Timestamp(microseconds: base + Int64(i) * 1000)))
        }
        await client.shutdown()
        let elapsed = seconds(clock.now - start)
        let stored = try sink.router.store.counts().events
        try await sink.stop()
        emit([
            "mode": "client", "events": .int(Int64(count)), "stored": .int(Int64(stored)), "seconds": .double(elapsed),
            "events_per_second": .double(Double(count) / elapsed),
        ])
    }

    /// The byte-level hot path alone: parse a line, build an event, encode it, gzip batches.
    static func coreThroughput() {
        let line = Array(
            #"{"event":"$pageview","distinct_id":"user-123","timestamp":"2024-03-01T10:00:00.123Z","uuid":"0189d5b2-3c4e-7a1b-9c2d-3e4f5a6b7c8d","properties":{"$current_url":"https://example.com/pricing?x=1","plan":"pro","seats":12,"price":9.5,"beta":true,"tags":["a","b\u00e9"],"nested":{"k":null}}}"#
                .utf8)
        let n = 300_000
        let clock = ContinuousClock()
        var start = clock.now
        var events: [[UInt8]] = []
        events.reserveCapacity(1000)
        var checksum = 0
        for _ in 0..<n {
            let value = try! JSONParser.parse(line)
            checksum &+= value["properties"]?.objectValue?.count ?? 0
        }
        let parse = seconds(clock.now - start)
        start = clock.now
        let value = try! JSONParser.parse(line)
        let event = PostHogEvent(
            event: value["event"]!.stringValue!, distinctId: value["distinct_id"]!.stringValue!, properties: value["properties"]!.objectValue!,
            timestamp: Timestamp(iso8601: value["timestamp"]!.stringValue!), uuid: value["uuid"]!.stringValue)
        var bytes = 0
        for _ in 0..<n {
            let encoded = event.encoded()
            bytes &+= encoded.count
            if events.count < 1000 { events.append(encoded) }
        }
        let encode = seconds(clock.now - start)
        let body = BatchBody.encode(apiKey: "phc", events: events, historicalMigration: true, sentAt: .now())
        start = clock.now
        var compressed = 0
        for _ in 0..<(n / 1000) { compressed &+= (try! Gzip.compress(body)).count }
        let gzip = seconds(clock.now - start)
        emit([
            "mode": "core", "lines": .int(Int64(n)), "parse_lines_per_second": .double(Double(n) / parse),
            "encode_events_per_second": .double(Double(n) / encode), "gzip_events_per_second": .double(Double(n) / gzip),
            "gzip_ratio": .double(Double(body.count) / Double(compressed / (n / 1000))), "checksum": .int(Int64(checksum + bytes)),
        ])
    }

    static func flags(_ args: [String]) throws {
        emit(["mode": "flags", "error": "flag evaluation is not built yet"])
    }
}
