public import Foundation
public import HogportKit
public import PostHogCore
public import PostHogKit
import Synchronization

// Helpers for the feature-flag integration tests (PostHogKitTests/FeatureFlag*Tests,
// HogportKitTests/Flag*Tests and SinkFlagRoutesTests).

/// Keys used by the flag tests.
public enum FlagTestKeys {
    /// The personal API key the flag sinks require.
    public static let personal = "phx_flag_test_secret_9f2c"
}

// MARK: - Conformance vectors

/// One line of `vectors/flags/<set>/cases.jsonl`.
public struct FlagVectorCase: Sendable {
    public var caseId: String
    public var distinctId: String
    /// The caller's groups, as JSON (keys may be numbers in the vectors).
    public var groupsJSON: JSONValue
    public var personProperties: [String: JSONValue]
    public var groupPropertiesJSON: JSONValue
    public var deviceId: String?
    public var flagKey: String
    /// `true`, `false`, a variant string, or the string `"inconclusive"`.
    public var expected: JSONValue
    public var expectedReason: String?
    public var expectedPayload: JSONValue
    public var expectedPayloadRaw: JSONValue
    /// The whole line as parsed.
    public var json: JSONValue

    public var isInconclusive: Bool { expected == .string("inconclusive") }

    /// The expected value as a ``FeatureFlagValue`` (nil when inconclusive).
    public var expectedValue: FeatureFlagValue? {
        switch expected {
        case .bool(let on): return .enabled(on)
        case .string(let s) where s != "inconclusive": return .variant(s)
        default: return nil
        }
    }

    /// The groups as the Swift API takes them (numbers printed as Python prints them).
    public var groups: [String: String] {
        var out: [String: String] = [:]
        for (type, key) in groupsJSON.objectValue ?? [:] { out[type] = key.stringValue ?? JSONWriter.string(key) }
        return out
    }

    /// The group properties as the Swift API takes them.
    public var groupProperties: [String: [String: JSONValue]] {
        (groupPropertiesJSON.objectValue ?? [:]).compactMapValues(\.objectValue)
    }

    /// The decoded payload expected, nil for JSON null.
    public var expectedPayloadValue: JSONValue? {
        // (Not a ternary: `nil` would become JSONValue.null through ExpressibleByNilLiteral.)
        if expectedPayload.isNull { return Optional<JSONValue>.none }
        return .some(expectedPayload)
    }

    /// The subject line `hogport flags eval` reads for this case.
    public var subjectJSON: JSONValue {
        var object: [String: JSONValue] = [
            "distinct_id": .string(distinctId), "groups": groupsJSON, "person_properties": .object(personProperties),
            "group_properties": groupPropertiesJSON,
        ]
        if let deviceId { object["device_id"] = .string(deviceId) }
        return .object(object)
    }
}

/// The flag conformance vectors computed by posthog-python (`<repo>/Tests/Fixtures/flags`).
public enum FlagVectors {
    /// `<repo>/Tests/Fixtures`: every file the tests read that the repository does not generate.
    public static var fixturesDirectory: URL {
        // <repo>/Tests/TestSupport/FlagSupport.swift -> <repo>/Tests/Fixtures
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures", isDirectory: true)
    }

    /// `Fixtures/flags/<set>/<file>`.
    public static func url(_ set: String, _ file: String) -> URL {
        fixturesDirectory.appendingPathComponent("flags").appendingPathComponent(set).appendingPathComponent(file)
    }

    /// The raw bytes of `<set>/definitions.json`.
    public static func definitionsBytes(_ set: String = "public") throws -> [UInt8] {
        let path = url(set, "definitions.json").path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FlagTestError("cannot read \(path)")
        }
        return Array(data)
    }

    /// `<set>/definitions.json`, parsed.
    public static func definitions(_ set: String = "public") throws -> JSONValue {
        try JSONParser.parse(definitionsBytes(set))
    }

    /// Every case of `<set>/cases.jsonl`, in file order.
    public static func cases(_ set: String = "public") throws -> [FlagVectorCase] {
        let path = url(set, "cases.jsonl").path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FlagTestError("cannot read \(path)")
        }
        var out: [FlagVectorCase] = []
        for line in Array(data).split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            let json = try JSONParser.parse(line)
            out.append(
                FlagVectorCase(
                    caseId: json["case_id"]?.stringValue ?? "", distinctId: json["distinct_id"]?.stringValue ?? "",
                    groupsJSON: json["groups"] ?? .object([:]), personProperties: json["person_properties"]?.objectValue ?? [:],
                    groupPropertiesJSON: json["group_properties"] ?? .object([:]), deviceId: json["device_id"]?.stringValue,
                    flagKey: json["flag_key"]?.stringValue ?? "", expected: json["expected"] ?? .null,
                    expectedReason: json["expected_reason"]?.stringValue, expectedPayload: json["expected_payload"] ?? .null,
                    expectedPayloadRaw: json["expected_payload_raw"] ?? .null, json: json))
        }
        return out
    }

    /// The cases grouped by subject (each set is the cross product flags x subjects, subject-major),
    /// in file order. Two subjects may share a distinct id.
    public static func subjects(_ set: String = "public") throws -> [[FlagVectorCase]] {
        var out: [[FlagVectorCase]] = []
        for c in try cases(set) {
            if let last = out.last?.last, last.distinctId == c.distinctId, last.json["person_properties"] == c.json["person_properties"],
                last.groupsJSON == c.groupsJSON, last.deviceId == c.deviceId
            {
                out[out.count - 1].append(c)
            } else {
                out.append([c])
            }
        }
        return out
    }

    /// The cases of the first subject with `distinctId`, in file order.
    public static func cases(forDistinctId distinctId: String, set: String = "public") throws -> [FlagVectorCase] {
        try subjects(set).first { $0.first?.distinctId == distinctId } ?? []
    }
}

/// A plain test failure with a message.
public struct FlagTestError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

// MARK: - Inline definitions

/// Small `/flags/definitions` bodies for unit tests.
public enum FlagJSON {
    /// A person property filter.
    public static func property(_ key: String, _ value: JSONValue, operator op: String = "exact", type: String = "person") -> JSONValue {
        ["key": .string(key), "value": value, "operator": .string(op), "type": .string(type)]
    }

    /// A condition with `properties` and a rollout.
    public static func condition(_ properties: [JSONValue] = [], rollout: JSONValue = 100, variant: JSONValue = .null) -> JSONValue {
        ["properties": .array(properties), "rollout_percentage": rollout, "variant": variant]
    }

    /// A flag definition.
    public static func flag(
        id: Int, key: String, version: Int = 1, active: Bool = true, conditions: [JSONValue] = [condition()],
        variants: [(String, Int)]? = nil, payloads: [String: JSONValue] = [:], ensureExperienceContinuity: Bool = false,
        aggregationGroupTypeIndex: JSONValue = .null
    ) -> JSONValue {
        var filters: [String: JSONValue] = [
            "groups": .array(conditions), "payloads": .object(payloads), "aggregation_group_type_index": aggregationGroupTypeIndex,
        ]
        if let variants {
            filters["multivariate"] = [
                "variants": .array(variants.map { ["key": .string($0.0), "name": .string($0.0), "rollout_percentage": .int(Int64($0.1))] })
            ]
        } else {
            filters["multivariate"] = .null
        }
        return [
            "id": .int(Int64(id)), "team_id": 1, "name": .string(key), "key": .string(key), "deleted": false, "active": .bool(active),
            "ensure_experience_continuity": .bool(ensureExperienceContinuity), "version": .int(Int64(version)), "filters": .object(filters),
        ]
    }

    /// A definitions body.
    public static func definitions(
        _ flags: [JSONValue], groupTypeMapping: [String: JSONValue] = ["0": "company"], cohorts: [String: JSONValue] = [:]
    ) -> JSONValue {
        ["flags": .array(flags), "group_type_mapping": .object(groupTypeMapping), "cohorts": .object(cohorts)]
    }

    /// Compact bytes of `definitions(...)`.
    public static func bytes(_ value: JSONValue) -> [UInt8] { JSONWriter.encode(value, sortedKeys: true) }
}

// MARK: - A sink serving flags

/// A sink with ``SinkFlagRoutes`` installed, serving a definitions file in a directory of its own.
public struct FlagSink: Sendable {
    public let server: SinkServer
    /// The definitions file the sink serves (rewrite it to change what it serves).
    public let definitionsPath: String
    /// The sink's base URL.
    public var url: String { server.url }

    /// Replaces the definitions file (atomically).
    public func writeDefinitions(_ bytes: [UInt8]) throws {
        try AtomicFile.write(bytes, to: definitionsPath)
    }

    /// Every event the sink stored.
    public func storedEvents() throws -> [SinkStore.StoredEvent] { try server.storedEvents() }
}

/// Starts a sink on 127.0.0.1 serving `definitions` with the personal key `personalKey` required
/// (nil accepts any Bearer), runs `body`, then stops it and deletes its files.
public func withFlagSink<R>(
    definitions: [UInt8], personalKey: String? = FlagTestKeys.personal, apiKey: String = TestKeys.project,
    _ body: (FlagSink) async throws -> R
) async throws -> R {
    let directory = try TemporaryDirectory(prefix: "hogport-flagsink")
    defer { directory.remove() }
    let path = try directory.write("definitions.json", definitions)
    return try await withSink(apiKey: apiKey, configure: { $0.personalAPIKey = personalKey }) { server in
        SinkFlagRoutes(definitionsPath: path, projectAPIKey: apiKey, personalAPIKey: personalKey).install(on: server.router)
        return try await body(FlagSink(server: server, definitionsPath: path))
    }
}

// MARK: - A recording proxy transport

/// A ``ScriptedTransport`` that forwards every request to a real HTTP transport (unless
/// `override` answers it), so requests and statuses can be asserted against a live sink.
public func withRecordingProxy<R>(
    override: @escaping @Sendable (RecordedRequest) -> ScriptedReply? = { _ in nil },
    _ body: (ScriptedTransport) async throws -> R
) async throws -> R {
    let real = AsyncHTTPClientTransport(maximumConnections: 4)
    let proxy = ScriptedTransport { recorded in
        if let reply = override(recorded) { return reply }
        do {
            let response = try await real.send(
                HTTPTransportRequest(
                    method: recorded.method, url: recorded.url, headers: recorded.headers,
                    body: recorded.rawBody.isEmpty ? nil : recorded.rawBody, timeout: recorded.timeout))
            return .respond(status: response.status, headers: response.headers, body: response.body)
        } catch {
            return .fail("\(error)")
        }
    }
    do {
        let result = try await body(proxy)
        await real.shutdown()
        return result
    } catch {
        await real.shutdown()
        throw error
    }
}

extension RecordedRequest {
    /// Whether this is a `GET …/flags/definitions` (or legacy local_evaluation) request.
    public var isDefinitionsFetch: Bool {
        method == "GET" && (url.contains("/flags/definitions") || url.contains("/api/feature_flag/local_evaluation"))
    }

    /// Whether this is a `POST …/flags/` remote evaluation.
    public var isRemoteFlags: Bool {
        method == "POST" && (url.contains("/flags/?") || url.hasSuffix("/flags/") || url.hasSuffix("/flags"))
    }
}

extension ScriptedTransport {
    /// The `GET /flags/definitions` requests so far.
    public var definitionsFetches: [RecordedRequest] { requests.filter(\.isDefinitionsFetch) }
    /// The `POST /flags` requests so far.
    public var remoteFlagRequests: [RecordedRequest] { requests.filter(\.isRemoteFlags) }
    /// The statuses of the `GET /flags/definitions` requests, in order.
    public var definitionsStatuses: [Int?] {
        let statuses = self.statuses
        return requests.filter(\.isDefinitionsFetch).map { $0.index < statuses.count ? statuses[$0.index] : nil }
    }
}

/// A JSON response with `body`.
public func flagJSONReply(_ status: Int = 200, _ body: JSONValue, headers: [(String, String)] = []) -> ScriptedReply {
    .respond(status: status, headers: [("Content-Type", "application/json")] + headers, body: JSONWriter.encode(body))
}

// MARK: - Clients and scripted flag servers

/// A client configuration for flag tests: no polling or flushing on a timer (reloads and flushes
/// are explicit), no real sleeps, errors recorded.
public func flagClientConfiguration(
    host: String, transport: (any HTTPTransport)?, personalKey: String? = FlagTestKeys.personal, errors: ErrorRecorder? = nil
) -> PostHogConfiguration {
    var configuration = PostHogConfiguration(apiKey: TestKeys.project, host: host)
    configuration.personalApiKey = personalKey
    configuration.featureFlagsPollingInterval = .seconds(3600)
    configuration.flushInterval = .seconds(3600)
    configuration.flushAt = 10_000
    configuration.transport = transport
    configuration.sleep = SleepRecorder().sleep
    configuration.onError = errors?.handler
    return configuration
}

/// Replies handed out in order, then a fallback forever.
public final class FlagReplyQueue: Sendable {
    private let replies: Mutex<ArraySlice<ScriptedReply>>
    private let fallback: ScriptedReply

    public init(_ replies: [ScriptedReply], then fallback: ScriptedReply) {
        self.replies = Mutex(replies[...])
        self.fallback = fallback
    }

    public func next() -> ScriptedReply { replies.withLock { $0.popFirst() } ?? fallback }
}

/// A scripted PostHog for flags: `GET /flags/definitions` answered from `definitions` (then
/// `thenDefinitions`), `POST /flags` from `remote` (then `thenRemote`), everything else 200.
public func flagScriptedTransport(
    definitions: [ScriptedReply] = [], thenDefinitions: ScriptedReply = .status(500, body: "no more definitions scripted"),
    remote: [ScriptedReply] = [], thenRemote: ScriptedReply = .status(500, body: "no more /flags scripted")
) -> ScriptedTransport {
    let definitionsQueue = FlagReplyQueue(definitions, then: thenDefinitions)
    let remoteQueue = FlagReplyQueue(remote, then: thenRemote)
    return ScriptedTransport { request in
        if request.isDefinitionsFetch { return definitionsQueue.next() }
        if request.isRemoteFlags { return remoteQueue.next() }
        return .ok
    }
}

/// A `/flags/?v=2` record.
public func flagRecord(
    _ key: String, enabled: Bool = true, variant: String? = nil, payload: JSONValue = .null, failed: Bool = false
) -> JSONValue {
    var record: [String: JSONValue] = [
        "key": .string(key), "enabled": .bool(enabled), "variant": variant.map { .string($0) } ?? .null,
        "reason": ["code": failed ? "evaluation_failed" : "condition_match"], "metadata": ["id": 1, "version": 1, "payload": payload],
    ]
    if failed { record["failed"] = true }
    return .object(record)
}

/// A `/flags/?v=2` response with `records`.
public func flagsResponse(_ records: [JSONValue], errors: Bool = false, extra: [String: JSONValue] = [:]) -> JSONValue {
    var flags: [String: JSONValue] = [:]
    for record in records { flags[record["key"]?.stringValue ?? ""] = record }
    var body: [String: JSONValue] = ["flags": .object(flags), "errorsWhileComputingFlags": .bool(errors), "requestId": "req-1"]
    body.merge(extra) { $1 }
    return .object(body)
}

/// The `$feature_flag_called` events among `events`.
public func flagCalledEvents(_ events: [SinkStore.StoredEvent]) -> [SinkStore.StoredEvent] {
    events.filter { $0.event == "$feature_flag_called" }
}

/// The `$feature_flag_called` events a scripted transport delivered (as JSON).
public func flagCalledEvents(in transport: ScriptedTransport) -> [JSONValue] {
    transport.deliveredEvents.filter { $0["event"] == "$feature_flag_called" }
}
