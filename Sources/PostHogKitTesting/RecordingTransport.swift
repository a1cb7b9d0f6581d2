public import PostHogCore
public import PostHogKit
import Synchronization

/// An ``HTTPTransport`` for your tests: no network, every `/batch/` request accepted and its
/// events recorded; `/flags` answered from ``flags``.
///
/// ```swift
/// let recorder = RecordingTransport()
/// let posthog = PostHogClient(configuration: .recording(into: recorder))
/// await posthog.capture(distinctId: "u1", event: "signed up")
/// await posthog.flush()
/// #expect(recorder.events(named: "signed up").count == 1)
/// ```
public final class RecordingTransport: HTTPTransport {
    private struct State {
        var events: [PostHogEvent] = []
        var requests = 0
        var flags: [String: FeatureFlagValue] = [:]
        var payloads: [String: JSONValue] = [:]
    }

    private let state = Mutex(State())

    /// - Parameter flags: what `/flags` answers for every user.
    public init(flags: [String: FeatureFlagValue] = [:], payloads: [String: JSONValue] = [:]) {
        state.withLock {
            $0.flags = flags
            $0.payloads = payloads
        }
    }

    /// Every event received, in order.
    public var events: [PostHogEvent] { state.withLock { $0.events } }

    /// How many HTTP requests arrived.
    public var requestCount: Int { state.withLock { $0.requests } }

    /// The events with this name.
    public func events(named name: String) -> [PostHogEvent] { events.filter { $0.event == name } }

    /// The events of one user.
    public func events(distinctId: String) -> [PostHogEvent] { events.filter { $0.distinctId == distinctId } }

    /// Forgets what was recorded.
    public func reset() { state.withLock { $0.events = [] } }

    /// Changes what `/flags` answers.
    public func setFlags(_ flags: [String: FeatureFlagValue], payloads: [String: JSONValue] = [:]) {
        state.withLock {
            $0.flags = flags
            $0.payloads = payloads
        }
    }

    public func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        state.withLock { $0.requests += 1 }
        var body = request.body ?? []
        if request.headers.contains(where: { $0.0.lowercased() == "content-encoding" && $0.1 == "gzip" }) {
            body = try Gzip.decompress(body)
        }
        if request.url.contains("/flags") && !request.url.contains("/flags/definitions") {
            return HTTPTransportResponse(status: 200, body: JSONWriter.encode(flagsAnswer()))
        }
        guard request.url.contains("/batch"), let json = try? JSONParser.parse(body) else {
            return HTTPTransportResponse(status: 404)
        }
        let received = (json["batch"]?.arrayValue ?? []).compactMap(Self.event)
        state.withLock { $0.events += received }
        return HTTPTransportResponse(status: 200, body: Array(#"{"status":"Ok"}"#.utf8))
    }

    public func shutdown() async {}

    private func flagsAnswer() -> JSONValue {
        let (flags, payloads) = state.withLock { ($0.flags, $0.payloads) }
        var records: [String: JSONValue] = [:]
        for (key, value) in flags {
            var metadata: [String: JSONValue] = [:]
            if let payload = payloads[key] { metadata["payload"] = .string(JSONWriter.string(payload)) }
            records[key] = [
                "key": .string(key), "enabled": .bool(value.isEnabled), "variant": value.variantKey.map(JSONValue.string) ?? .null,
                "metadata": .object(metadata),
            ]
        }
        return ["flags": .object(records)]
    }

    static func event(_ json: JSONValue) -> PostHogEvent? {
        guard let name = json["event"]?.stringValue, let distinctId = json["distinct_id"]?.stringValue else { return nil }
        return PostHogEvent(
            event: name, distinctId: distinctId, properties: json["properties"]?.objectValue ?? [:],
            timestamp: json["timestamp"]?.stringValue.flatMap { Timestamp(iso8601: $0) }, uuid: json["uuid"]?.stringValue,
            set: json["$set"]?.objectValue, setOnce: json["$set_once"]?.objectValue)
    }
}

extension PostHogConfiguration {
    /// A configuration that sends to `recorder` instead of the network, flushes only when asked,
    /// and never sleeps between retries.
    public static func recording(into recorder: RecordingTransport, apiKey: String = "phc_test") -> PostHogConfiguration {
        var configuration = PostHogConfiguration(apiKey: apiKey, host: "http://posthog.invalid")
        configuration.transport = recorder
        configuration.flushInterval = .seconds(3600)
        configuration.sleep = { _ in }
        return configuration
    }
}
