import Foundation
public import HogportKit
public import PostHogCore
public import PostHogKit
import Synchronization

// Helpers for the import engine's tests (HogportKitTests/Import*Tests, Reader*Tests, CSV*Tests,
// Mapping*Tests, Checkpoint*Tests, ...).

// MARK: - Byte sources

/// A ``ByteSource`` over bytes in memory that hands out at most `chunk` bytes per read, so tests
/// can drive readers across every buffer boundary (a pipe or a gzip stream may return a few
/// bytes at a time).
public struct MemoryByteSource: ByteSource {
    public let bytes: [UInt8]
    public let chunk: Int
    private var index = 0

    public init(_ bytes: [UInt8], chunk: Int = .max) {
        self.bytes = bytes
        self.chunk = max(1, chunk)
    }

    public init(_ text: String, chunk: Int = .max) {
        self.init(Array(text.utf8), chunk: chunk)
    }

    public var rawOffset: Int64 { Int64(index) }

    public mutating func read(into buffer: inout [UInt8], count: Int) throws(InputError) -> Int {
        let n = min(count, chunk, bytes.count - index)
        guard n > 0 else { return 0 }
        buffer.append(contentsOf: bytes[index..<(index + n)])
        index += n
        return n
    }
}

/// The UTF-8 byte-order mark.
public let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]

/// Every line of a ``LineReader`` (copied out, since a line is only valid until the next call).
public struct ReadLine: Sendable, Equatable {
    public var text: String
    public var number: Int
    public var offset: Int64
    public var endOffset: Int64

    public init(text: String, number: Int, offset: Int64, endOffset: Int64) {
        self.text = text
        self.number = number
        self.offset = offset
        self.endOffset = endOffset
    }
}

extension LineReader {
    /// Reads every remaining line.
    public mutating func readAll() throws(InputError) -> [ReadLine] {
        var out: [ReadLine] = []
        while let line = try next() {
            out.append(ReadLine(text: String(decoding: line.bytes, as: UTF8.self), number: line.number, offset: line.offset, endOffset: line.endOffset))
        }
        return out
    }
}

/// One CSV record or error, copied out of a ``CSVReader``.
public enum ReadRecord: Sendable, Equatable {
    case record(fields: [String], line: Int, offset: Int64, endOffset: Int64, raw: String)
    case error(reason: String, line: Int, offset: Int64, endOffset: Int64, raw: String)

    public var fields: [String]? {
        if case .record(let fields, _, _, _, _) = self { return fields }
        return nil
    }

    public var line: Int {
        switch self {
        case .record(_, let line, _, _, _), .error(_, let line, _, _, _): return line
        }
    }

    public var offset: Int64 {
        switch self {
        case .record(_, _, let offset, _, _), .error(_, _, let offset, _, _): return offset
        }
    }

    public var endOffset: Int64 {
        switch self {
        case .record(_, _, _, let end, _), .error(_, _, _, let end, _): return end
        }
    }

    public var isError: Bool {
        if case .error = self { return true }
        return false
    }
}

extension CSVReader {
    /// Reads every remaining record (and record error).
    public mutating func readAll() throws(InputError) -> [ReadRecord] {
        var out: [ReadRecord] = []
        while let result = try next() {
            switch result {
            case .success(let r):
                out.append(.record(fields: r.fields, line: r.line, offset: r.offset, endOffset: r.endOffset, raw: String(decoding: r.raw, as: UTF8.self)))
            case .failure(let e):
                out.append(.error(reason: e.reason, line: e.line, offset: e.offset, endOffset: e.endOffset, raw: String(decoding: e.raw, as: UTF8.self)))
            }
        }
        return out
    }
}

// MARK: - Rows

/// Builds input rows for import tests.
public enum ImportRows {
    /// 2024-03-01T00:00:00Z in microseconds.
    public static let base = Timestamp(year: 2024, month: 3, day: 1)!

    /// One PostHog-shaped NDJSON line.
    public static func ndjson(
        event: String = "signed up", distinctId: String? = "user-1", timestamp: String? = "2024-03-01T10:00:00Z", uuid: String? = nil,
        properties: [String: JSONValue] = [:], extra: [String: JSONValue] = [:]
    ) -> String {
        var object: [String: JSONValue] = ["event": .string(event), "properties": .object(properties)]
        if let distinctId { object["distinct_id"] = .string(distinctId) }
        if let timestamp { object["timestamp"] = .string(timestamp) }
        if let uuid { object["uuid"] = .string(uuid) }
        for (k, v) in extra { object[k] = v }
        return JSONWriter.string(.object(object), sortedKeys: true)
    }

    /// The source uuid of sample row `n` (a valid v4-shaped uuid that encodes `n`).
    public static func uuid(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        let tail = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        return "0badc0de-0000-4000-8000-" + tail
    }

    /// The timestamp of sample row `n`: rows spread over `days` UTC days, in time order.
    public static func timestamp(_ n: Int, count: Int, days: Int) -> Timestamp {
        let perDay = max(1, (count + days - 1) / days)
        let day = Int64(n / perDay)
        let second = Int64(n % perDay) * 7 + 1
        return Timestamp(microseconds: base.microseconds + day * 86_400_000_000 + second * 1_000_000 + Int64(n % 1000))
    }

    /// `count` NDJSON lines over `days` UTC days; each has property `n`; rows where `n % 3 == 0`
    /// carry no uuid (the importer derives one), the others a source uuid.
    public static func sampleNDJSON(count: Int, days: Int = 1, from start: Int = 0) -> [String] {
        (start..<(start + count)).map { n in
            ndjson(
                event: n % 5 == 0 ? "$pageview" : "event \(n % 4)", distinctId: "user-\(n % 17)",
                timestamp: timestamp(n, count: start + count, days: days).iso8601, uuid: n % 3 == 0 ? nil : uuid(n),
                properties: ["n": .int(Int64(n)), "plan": n % 2 == 0 ? "pro" : "free"])
        }
    }

    /// `count` CSV rows (with a header) over `days` UTC days; each has column `n`.
    public static func sampleCSV(count: Int, days: Int = 1) -> String {
        var text = "event,distinct_id,timestamp,uuid,n,properties.note,$set.email\n"
        for n in 0..<count {
            let ts = timestamp(n, count: count, days: days).iso8601
            let note = n % 4 == 0 ? "\"line one\nline \"\"two\"\"\"" : "plain \(n)"
            let email = n % 2 == 0 ? "u\(n % 17)@example.com" : ""
            text += "event \(n % 4),user-\(n % 17),\(ts),\(n % 3 == 0 ? "" : uuid(n)),\(n),\(note),\(email)\n"
        }
        return text
    }
}

// MARK: - Jobs

/// A `sleep` that returns at once (after a yield), for rate-limit waits and retry backoff.
public let importNoSleep: @Sendable (Duration) async throws -> Void = { _ in
    try Task.checkCancellation()
    await Task.yield()
}

/// An import job in a directory of its own: configuration, checkpoint and rejects file.
public struct ImportTestJob: Sendable {
    public let directory: TemporaryDirectory
    public var configuration: ImportConfiguration

    /// A job over `inputs` sending to `host`; unlimited rate and fast retries (with a no-op sleep).
    public init(directory: TemporaryDirectory, inputs: [String], host: String = "http://127.0.0.1:9", apiKey: String = TestKeys.project) {
        self.directory = directory
        configuration = ImportConfiguration(
            inputs: inputs, host: host, apiKey: apiKey, checkpointPath: directory.file("job.db"),
            rejectsPath: directory.file("job.rejects.ndjson"))
        configuration.rate = 0
        configuration.retryPolicy = RetryPolicy(maxRetries: 8, baseDelay: .milliseconds(1), maxDelay: .milliseconds(10))
        configuration.requestTimeout = .seconds(10)
    }

    /// Runs the import once.
    public func run(
        transport: (any HTTPTransport)?, sleep: @escaping @Sendable (Duration) async throws -> Void = importNoSleep
    ) async throws(ImportError) -> ImportSummary {
        try await ImportPipeline(configuration: configuration, transport: transport, sleep: sleep).run()
    }

    /// Runs the import and returns its error (nil when it succeeded).
    public func runExpectingError(transport: (any HTTPTransport)?) async -> ImportError? {
        do {
            _ = try await run(transport: transport)
            return nil
        } catch {
            return error
        }
    }

    /// The rejects file's lines, parsed (empty when there is no file).
    public func rejects() throws -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: configuration.rejectsPath) else { return [] }
        return try Array(data).split(separator: UInt8(ascii: "\n")).map { try JSONParser.parse($0) }
    }

    /// The checkpoint's progress per file (empty when there is no checkpoint).
    public func progress() throws -> [FileProgress] {
        guard FileManager.default.fileExists(atPath: configuration.checkpointPath) else { return [] }
        return try CheckpointStore(path: configuration.checkpointPath).allProgress()
    }

    /// The checkpoint's job status.
    public func status() throws -> (status: String, lastError: String?)? {
        guard FileManager.default.fileExists(atPath: configuration.checkpointPath) else { return nil }
        return try CheckpointStore(path: configuration.checkpointPath).status().map { ($0.status, $0.lastError) }
    }
}

/// Writes `lines` as a file (each followed by `\n`) and returns its path.
@discardableResult
public func writeLines(_ directory: TemporaryDirectory, _ name: String, _ lines: [String]) throws -> String {
    try directory.write(name, lines.map { $0 + "\n" }.joined())
}

/// Appends `text` to the file at `path`.
public func appendText(_ path: String, _ text: String) throws {
    guard let handle = FileHandle(forWritingAtPath: path) else { throw FlagTestError("cannot open \(path)") }
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(text.utf8))
}

extension Array where Element == SinkStore.StoredEvent {
    /// The `n` property of each event (the sample rows' index).
    public var sampleNumbers: [Int] { compactMap { $0.properties["n"]?.intValue.map(Int.init) } }
}
