import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Synchronization
import Testing
import TestSupport

/// The import's guard rails, in process against the sink: the destination a checkpoint records,
/// one run per checkpoint, GeoIP, damaged compressed input, text encodings, suspicious values,
/// output checked before the first request, input in any order.
@Suite("Import guard rails")
struct ImportGuardRailTests {
    @Test("a checkpoint resumed against another destination is refused, naming both hosts; --restart sends everything there")
    func destination() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: 40))
            try await withSink { first in
                try await withSink { second in
                    try await withHTTPTransport { transport in
                        var job = ImportTestJob(directory: dir, inputs: [path], host: first.url)
                        _ = try await job.run(transport: transport)
                        job.configuration.host = second.url
                        let error = await job.runExpectingError(transport: transport)
                        #expect(error?.kind == .jobMismatch)
                        #expect(error?.exitCode == 2)
                        #expect(error?.message.contains(first.url.lowercased()) == true, "\(error?.message ?? "")")
                        #expect(error?.message.contains(second.url.lowercased()) == true)
                        #expect(error?.message.contains("--restart") == true)
                        #expect(try second.storedEvents().isEmpty)
                        // Another key on the same host is another project.
                        var otherKey = ImportTestJob(directory: dir, inputs: [path], host: first.url, apiKey: "phc_other")
                        otherKey.configuration.checkpointPath = job.configuration.checkpointPath
                        #expect(await otherKey.runExpectingError(transport: transport)?.kind == .jobMismatch)
                        job.configuration.restart = true
                        let summary = try await job.run(transport: transport)
                        #expect(summary.counts.sent == 40)
                        #expect(try second.storedEvents().count == 40)
                    }
                }
            }
        }
    }

    @Test("the default checkpoint name differs per destination and key, and the key is not in it")
    func defaultCheckpointPerDestination() {
        let inputs = ["/data/a.ndjson"]
        let a = ImportConfiguration.defaultCheckpointPath(inputs: inputs, shard: nil, destination: .localSink(apiKey: "phc_1"))
        let b = ImportConfiguration.defaultCheckpointPath(
            inputs: inputs, shard: nil, destination: ImportDestination(host: "https://us.i.posthog.com", apiKey: "phc_1"))
        let c = ImportConfiguration.defaultCheckpointPath(
            inputs: inputs, shard: nil, destination: ImportDestination(host: "https://us.i.posthog.com", apiKey: "phc_2"))
        #expect(Set([a, b, c]).count == 3)
        #expect(![a, b, c].contains { $0.contains("phc_") })
        #expect(ImportDestination(host: "https://US.i.posthog.com/", apiKey: "k") == ImportDestination(host: "https://us.i.posthog.com", apiKey: "k"))
    }

    @Test("a second run on a held checkpoint stops at once with the holder's pid; the lock dies with its holder")
    func oneRunPerCheckpoint() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: 10))
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    let job = ImportTestJob(directory: dir, inputs: [path], host: sink.url)
                    let held = try RunLock(path: job.configuration.checkpointPath + ".lock")
                    let error = await job.runExpectingError(transport: transport)
                    #expect(error?.kind == .busy)
                    #expect(error?.exitCode == 2)
                    #expect(error?.message.contains("process \(getpid())") == true, "\(error?.message ?? "")")
                    #expect(try sink.storedEvents().isEmpty)
                    held.release()
                    #expect(try await job.run(transport: transport).counts.sent == 10)
                }
            }
        }
    }

    @Test("events without $ip carry $geoip_disable (fast and general path); with $ip, or when turned off, they do not")
    func geoIP() async throws {
        try await withTemporaryDirectory { dir in
            let lines = [
                ImportRows.ndjson(distinctId: "plain", uuid: ImportRows.uuid(1), properties: ["a": 1]),
                ImportRows.ndjson(distinctId: "with-ip", uuid: ImportRows.uuid(2), properties: ["$ip": "203.0.113.9"]),
                ImportRows.ndjson(distinctId: "empty", uuid: ImportRows.uuid(3)),
                ImportRows.ndjson(distinctId: "general", properties: ["b": 2], extra: ["$set": ["email": "x@example.com"]]),
                ImportRows.ndjson(distinctId: "own-choice", uuid: ImportRows.uuid(5), properties: ["$geoip_disable": false]),
            ]
            let path = try writeLines(dir, "events.ndjson", lines)
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    _ = try await ImportTestJob(directory: dir, inputs: [path], host: sink.url).run(transport: transport)
                    let byId = Dictionary(uniqueKeysWithValues: try sink.storedEvents().map { ($0.distinctId, $0.properties) })
                    #expect(byId["plain"]?["$geoip_disable"] == .bool(true))
                    #expect(byId["plain"]?["a"] == 1)
                    #expect(byId["empty"]?["$geoip_disable"] == .bool(true))
                    #expect(byId["general"]?["$geoip_disable"] == .bool(true))
                    #expect(byId["with-ip"]?["$geoip_disable"] == nil)
                    #expect(byId["own-choice"]?["$geoip_disable"] == .bool(false))
                }
            }
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    var job = ImportTestJob(directory: dir, inputs: [path], host: sink.url)
                    job.configuration.disableGeoIP = false
                    job.configuration.restart = true
                    _ = try await job.run(transport: transport)
                    #expect(try sink.storedEvents().allSatisfy { $0.properties["$geoip_disable"] != .bool(true) })
                }
            }
        }
    }

    @Test("a damaged gzip file sends nothing of itself, names the byte offset, and the other files go on")
    func damagedGzip() async throws {
        try await withTemporaryDirectory { dir in
            let good = try writeLines(dir, "good.ndjson", ImportRows.sampleNDJSON(count: 50))
            let text = ImportRows.sampleNDJSON(count: 400, from: 1000).joined(separator: "\n") + "\n"
            var compressed = try Gzip.compress(Array(text.utf8))
            // Flip a byte in the middle of the deflate data: the CRC at the end no longer matches
            // (or the stream breaks), though rows before the spot still decompress.
            compressed[compressed.count / 2] ^= 0x55
            let bad = try dir.write("bad.ndjson.gz", compressed)
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    let job = ImportTestJob(directory: dir, inputs: [bad, good], host: sink.url)
                    let error = await job.runExpectingError(transport: transport)
                    #expect(error?.kind == .unreadableInput)
                    #expect(error?.exitCode == 5)
                    #expect(error?.message.contains("bad.ndjson.gz") == true)
                    #expect(error?.message.contains("at byte") == true, "\(error?.message ?? "")")
                    #expect(error?.summary?.counts.sent == 50)
                    let numbers = Set(try sink.storedEvents().sampleNumbers)
                    #expect(numbers == Set(0..<50), "nothing of the damaged file")
                }
            }
        }
    }

    @Test("invalid UTF-8 in a CSV rejects that row (file, line); --encoding latin1 transcodes it")
    func encodings() async throws {
        try await withTemporaryDirectory { dir in
            var bytes = Array("event,distinct_id,timestamp,city\n".utf8)
            bytes += Array("visit,u1,2024-03-01T10:00:00Z,Z".utf8) + [0xFC] + Array("rich\n".utf8)
            bytes += Array("visit,u2,2024-03-01T10:00:01Z,Bern\n".utf8)
            bytes += Array("visit,u3,2024-03-01T10:00:02Z,".utf8) + [0x80] + Array("5\n".utf8)
            let path = try dir.write("latin1.csv", bytes)
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    let job = ImportTestJob(directory: dir, inputs: [path], host: sink.url)
                    let summary = try await job.run(transport: transport)
                    #expect(summary.counts.sent == 1)
                    #expect(summary.counts.rejected == 2)
                    let rejects = try job.rejects()
                    #expect(rejects.map { $0["line"] } == [2, 4])
                    #expect(rejects.allSatisfy { $0["reason"]?.stringValue?.contains("invalid UTF-8") == true })
                    #expect(rejects.allSatisfy { $0["file"]?.stringValue == path })
                }
            }
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    var job = ImportTestJob(directory: dir, inputs: [path], host: sink.url)
                    job.configuration.encoding = .latin1
                    job.configuration.checkpointPath = dir.file("latin1.db")
                    job.configuration.rejectsPath = dir.file("latin1.rejects")
                    let summary = try await job.run(transport: transport)
                    #expect(summary.counts.sent == 3)
                    let cities = Dictionary(uniqueKeysWithValues: try sink.storedEvents().map { ($0.distinctId, $0.properties["city"]?.stringValue ?? "") })
                    #expect(cities == ["u1": "Zürich", "u2": "Bern", "u3": "€5"])
                }
            }
        }
    }

    @Test("future times, blank and placeholder distinct ids are rejected; pre-1970 times are counted")
    func suspiciousValues() async throws {
        try await withTemporaryDirectory { dir in
            let lines = [
                ImportRows.ndjson(distinctId: "ok", timestamp: "2024-03-01T10:00:00Z", uuid: ImportRows.uuid(1)),
                ImportRows.ndjson(distinctId: "future", timestamp: "2999-01-01T00:00:00Z", uuid: ImportRows.uuid(2)),
                ImportRows.ndjson(distinctId: "   ", uuid: ImportRows.uuid(3)),
                ImportRows.ndjson(distinctId: "undefined", uuid: ImportRows.uuid(4)),
                ImportRows.ndjson(distinctId: "NULL", uuid: ImportRows.uuid(5)),
                ImportRows.ndjson(distinctId: "[object Object]"),
                ImportRows.ndjson(distinctId: "old", timestamp: "1969-07-20T20:17:00Z", uuid: ImportRows.uuid(7)),
            ]
            let path = try writeLines(dir, "events.ndjson", lines)
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    var job = ImportTestJob(directory: dir, inputs: [path], host: sink.url)
                    let summary = try await job.run(transport: transport)
                    #expect(summary.counts.sent == 2)
                    #expect(summary.before1970 == 1)
                    let reasons = try job.rejects().compactMap { $0["reason"]?.stringValue }
                    #expect(reasons.count == 5)
                    #expect(reasons[0].contains("future"))
                    #expect(reasons[1].contains("blank"))
                    #expect(reasons[2...].allSatisfy { $0.contains("placeholder") })
                    #expect(Set(try sink.storedEvents().map(\.distinctId)) == ["ok", "old"])

                    job.configuration.allowPlaceholderIds = true
                    job.configuration.restart = true
                    job.configuration.maxFuture = .seconds(86_400 * 365 * 2000)
                    #expect(try await job.run(transport: transport).counts.sent == 6)
                }
            }
        }
    }

    @Test("an unwritable rejects path fails before the first request; checkpoint and rejects are private (0600)")
    func outputChecks() async throws {
        try await withTemporaryDirectory { dir in
            let path = try writeLines(dir, "events.ndjson", ImportRows.sampleNDJSON(count: 10) + ["{bad json"])
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    var job = ImportTestJob(directory: dir, inputs: [path], host: sink.url)
                    job.configuration.rejectsPath = "/proc/hogport-cannot-write/rejects.ndjson"
                    let error = await job.runExpectingError(transport: transport)
                    #expect(error?.kind == .outputUnwritable)
                    #expect(error?.message.contains("rejects") == true)
                    #expect(sink.router.statistics.requests == 0)

                    let ok = ImportTestJob(directory: dir, inputs: [path], host: sink.url)
                    _ = try await ok.run(transport: transport)
                    for file in [ok.configuration.checkpointPath, ok.configuration.rejectsPath] {
                        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
                        #expect(mode == 0o600, "\(file)")
                    }
                }
            }
        }
    }

    @Test("numbers no Int64 or Double holds stay exact on the general path ($identify, $set, CSV)")
    func exactNumbers() async throws {
        try await withTemporaryDirectory { dir in
            let identify =
                #"{"event":"$identify","distinct_id":"u1","timestamp":"2024-03-01T10:00:00Z","properties":{"big":12345678901234567890123,"long":0.123456789012345678901},"$set":{"account":98765432109876543210}}"#
            let path = try writeLines(dir, "identify.ndjson", [identify])
            let csv = try dir.write(
                "rows.csv", "event,distinct_id,timestamp,properties\norder,u2,2024-03-01T10:00:01Z,\"{\"\"id\"\":12345678901234567890123}\"\n")
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    let summary = try await ImportTestJob(directory: dir, inputs: [path, csv], host: sink.url).run(transport: transport)
                    #expect(summary.counts.sent == 2)
                    let texts = try sink.router.store.rawQuery("SELECT properties FROM events ORDER BY distinct_id", []).compactMap { $0.first?.string }
                    #expect(texts.count == 2)
                    #expect(texts[0].contains("12345678901234567890123") && texts[0].contains("0.123456789012345678901"), "\(texts[0])")
                    #expect(texts[0].contains("98765432109876543210"), "$set travels inside the properties: \(texts[0])")
                    #expect(texts[1].contains(#""id":12345678901234567890123"#), "\(texts[1])")
                }
            }
        }
    }

    @Test("input shuffled over 30 days still goes in full batches, and resumes exactly after a failure")
    func shuffledInput() async throws {
        try await withTemporaryDirectory { dir in
            let count = 30_000
            var lines = ImportRows.sampleNDJSON(count: count, days: 30)
            var rng = SplitMix64(seed: 7)
            lines.shuffle(using: &rng)
            let path = try writeLines(dir, "shuffled.ndjson", lines)
            try await withSink { sink in
                try await withHTTPTransport { transport in
                    // The first run dies after 12 requests (the transport starts refusing).
                    let failing = FailingAfter(transport, requests: 12)
                    var job = ImportTestJob(directory: dir, inputs: [path], host: sink.url)
                    job.configuration.retryPolicy = RetryPolicy(maxRetries: 0, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1))
                    let error = await job.runExpectingError(transport: failing)
                    #expect(error?.kind == .serverFailing)
                    let committed = try job.progress().first?.counts.rows ?? 0
                    #expect(committed < count)

                    job.configuration.retryPolicy = RetryPolicy(maxRetries: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1))
                    let summary = try await job.run(transport: transport)
                    #expect(summary.resumedRows == committed)
                    let stored = try sink.storedEvents()
                    #expect(Set(stored.sampleNumbers) == Set(0..<count))
                    #expect(Set(stored.map(\.uuid)).count == count, "one uuid per row")
                    // Full batches despite the order: 30 days of 1000 events.
                    #expect(summary.eventsPerRequest >= 500, "\(summary.eventsPerRequest) events per request")
                }
            }
        }
    }
}

/// A transport that forwards `requests` requests, then fails every one as a refused connection.
final class FailingAfter: HTTPTransport, Sendable {
    let base: any HTTPTransport
    let limit: Int
    private let count = Mutex(0)

    init(_ base: any HTTPTransport, requests: Int) {
        self.base = base
        limit = requests
    }

    func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        let n = count.withLock { value -> Int in
            value += 1
            return value
        }
        guard n <= limit else { throw RefusedForTest() }
        return try await base.send(request)
    }

    func shutdown() async {}

    struct RefusedForTest: Error {}
}
