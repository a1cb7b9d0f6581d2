import Foundation
import HogportKit
import PostHogCore
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
        case "latency": try await CaptureLatencyBench.run(Array(args.dropFirst()))
        default:
            FileHandle.standardError.write(Data("usage: hogport-bench client|core|flags|latency …\n".utf8))
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

    /// Local flag evaluation over a vector set: per evaluation (every case), and all flags per
    /// subject, with definitions padded to `--all-flags-count` flags by renamed copies.
    static func flags(_ args: [String]) throws {
        guard let directory = option(args, "--vectors") else {
            FileHandle.standardError.write(Data("flags needs --vectors DIR\n".utf8))
            exit(2)
        }
        let repeats = Int(option(args, "--repeat") ?? "") ?? 5
        let definitionsJSON = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/definitions.json"))))
        let evaluator = FlagEvaluator(definitions: try FlagDefinitions(json: definitionsJSON))
        let cases: [(String, FlagSubject)] = try String(contentsOfFile: directory + "/cases.jsonl", encoding: .utf8)
            .split(separator: "\n").map { line in
                let c = try JSONParser.parse(String(line))
                var groupProperties: [String: [String: JSONValue]] = [:]
                for (k, v) in c["group_properties"]?.objectValue ?? [:] { groupProperties[k] = v.objectValue ?? [:] }
                let subject = FlagSubject(
                    distinctId: c["distinct_id"]?.stringValue ?? "", groups: (c["groups"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
                    personProperties: c["person_properties"]?.objectValue ?? [:], groupProperties: groupProperties,
                    deviceId: c["device_id"]?.stringValue)
                return (c["flag_key"]?.stringValue ?? "", subject)
            }
        let now = Date()
        let clock = ContinuousClock()
        var best = Double.infinity
        var decided = 0
        for _ in 0..<repeats {
            decided = 0
            let start = clock.now
            for (key, subject) in cases where evaluator.evaluate(key, for: subject, now: now)?.value != nil { decided += 1 }
            best = min(best, seconds(clock.now - start))
        }
        // All flags for one subject, with the definitions padded to N flags.
        let target = Int(option(args, "--all-flags-count") ?? "") ?? 100
        var padded = definitionsJSON
        if case .object(var object) = definitionsJSON, var flags = object["flags"]?.arrayValue {
            let originals = flags
            var copy = 0
            while flags.count < target {
                if case .object(var flag) = originals[copy % originals.count] {
                    flag["key"] = .string("\(flag["key"]?.stringValue ?? "flag")-copy-\(copy)")
                    flags.append(.object(flag))
                }
                copy += 1
            }
            object["flags"] = .array(flags)
            padded = .object(object)
        }
        let paddedEvaluator = FlagEvaluator(definitions: try FlagDefinitions(json: padded))
        var subjects: [String: FlagSubject] = [:]
        for (_, subject) in cases where subjects[subject.distinctId] == nil { subjects[subject.distinctId] = subject }
        var bestAll = Double.infinity
        for _ in 0..<repeats {
            let start = clock.now
            for subject in subjects.values { _ = paddedEvaluator.evaluateAll(for: subject, now: now) }
            bestAll = min(bestAll, seconds(clock.now - start))
        }
        emit([
            "mode": "flags", "cases": .int(Int64(cases.count)), "decided": .int(Int64(decided)),
            "per_evaluation_us": .double(best / Double(cases.count) * 1e6), "all_flags_count": .int(Int64(paddedEvaluator.flagKeys.count)),
            "all_flags_subjects": .int(Int64(subjects.count)), "all_flags_us": .double(bestAll / Double(max(1, subjects.count)) * 1e6),
        ])
    }
}
