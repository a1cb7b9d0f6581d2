public import HogportKit
public import PostHogCore
public import PostHogKit

/// Starts a ``SinkServer`` on 127.0.0.1 with a free port and a SQLite file in a temporary
/// directory of its own, runs `body`, then stops the server and deletes the directory.
///
/// - Parameters:
///   - apiKey: the project key the sink accepts.
///   - configure: changes to the configuration (faults, limits) before the server starts.
public func withSink<R>(
    apiKey: String = TestKeys.project,
    configure: (inout SinkConfiguration) -> Void = { _ in },
    _ body: (SinkServer) async throws -> R
) async throws -> R {
    let directory = try TemporaryDirectory(prefix: "hogport-sink")
    defer { directory.remove() }
    var configuration = SinkConfiguration(databasePath: directory.file("sink.db"), apiKey: apiKey)
    configuration.host = "127.0.0.1"
    configuration.port = 0
    configure(&configuration)
    let server = try await SinkServer.start(configuration)
    do {
        let result = try await body(server)
        try await server.stop()
        return result
    } catch {
        try? await server.stop()
        throw error
    }
}

/// Keys used across tests.
public enum TestKeys {
    public static let project = "phc_test_key"
}

/// Runs `body` with a real HTTP transport (AsyncHTTPClient) and shuts it down afterwards.
public func withHTTPTransport<R>(_ body: (AsyncHTTPClientTransport) async throws -> R) async throws -> R {
    let transport = AsyncHTTPClientTransport(maximumConnections: 4)
    do {
        let result = try await body(transport)
        await transport.shutdown()
        return result
    } catch {
        await transport.shutdown()
        throw error
    }
}

/// A raw answer from the sink.
public struct RawResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }
    public var json: JSONValue? { try? JSONParser.parse(body) }

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }
}

extension SinkServer {
    /// Sends one raw HTTP request to the server.
    public func request(
        _ method: String = "POST", _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = []
    ) async throws -> RawResponse {
        try await withHTTPTransport { transport in
            let response = try await transport.send(
                HTTPTransportRequest(method: method, url: url + path, headers: headers, body: body, timeout: .seconds(10)))
            return RawResponse(status: response.status, headers: response.headers, body: response.body)
        }
    }

    /// POSTs `json` (compact) to `path`, gzipped when `gzip` is set (with the header when `header`).
    public func post(_ path: String, json: JSONValue, gzip: Bool = false, header: Bool = true) async throws -> RawResponse {
        var body = JSONWriter.encode(json)
        var headers = [("Content-Type", "application/json")]
        if gzip {
            body = try Gzip.compress(body)
            if header { headers.append(("Content-Encoding", "gzip")) }
        }
        return try await request("POST", path, body: body, headers: headers)
    }

    /// Every event the sink stored, in arrival order.
    public func storedEvents() throws -> [SinkStore.StoredEvent] {
        try router.store.allEvents()
    }
}

/// Builds event JSON for posting to a sink by hand.
public enum RawEvents {
    /// `{"event":name,"distinct_id":distinctId,"properties":...,"uuid":...}` with a fresh uuid.
    public static func event(
        _ name: String = "test event", distinctId: String = "user-1", properties: [String: JSONValue] = [:],
        uuid: String? = EventUUID.v7(), timestamp: String? = nil
    ) -> JSONValue {
        var object: [String: JSONValue] = ["event": .string(name), "distinct_id": .string(distinctId), "properties": .object(properties)]
        if let uuid { object["uuid"] = .string(uuid) }
        if let timestamp { object["timestamp"] = .string(timestamp) }
        return .object(object)
    }

    /// A `/batch/` envelope.
    public static func batch(
        _ events: [JSONValue], apiKey: String? = TestKeys.project, historical: Bool? = nil, sentAt: String? = nil
    ) -> JSONValue {
        var object: [String: JSONValue] = ["batch": .array(events)]
        if let apiKey { object["api_key"] = .string(apiKey) }
        if let historical { object["historical_migration"] = .bool(historical) }
        if let sentAt { object["sent_at"] = .string(sentAt) }
        return .object(object)
    }
}
