public import PostHogCore
public import PostHogKit
import Synchronization

/// One request as a ``ScriptedTransport`` received it, with its body decompressed and parsed.
public struct RecordedRequest: Sendable {
    /// 0 for the first request the transport saw, then 1, 2, ...
    public var index: Int
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    /// The body as sent (gzip when the sender compresses).
    public var rawBody: [UInt8]
    /// The body after gzip decompression (when it was gzip), else `rawBody`.
    public var body: [UInt8]
    /// The body parsed as JSON, or nil when it is not JSON.
    public var json: JSONValue?
    /// When the transport received the request.
    public var receivedAt: Timestamp
    /// The per-attempt deadline the sender asked for.
    public var timeout: Duration

    /// The first value of header `name`, case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }

    /// The `batch` array of a `/batch/` body.
    public var batch: [JSONValue] { json?["batch"]?.arrayValue ?? [] }

    /// The uuids of the batch's events, in order.
    public var uuids: [String] { batch.compactMap { $0["uuid"]?.stringValue } }

    /// The body's `sent_at`, parsed.
    public var sentAt: Timestamp? { json?["sent_at"]?.stringValue.flatMap { Timestamp(iso8601: $0) } }
}

/// What a ``ScriptedTransport`` answers to one request.
public enum ScriptedReply: Sendable {
    /// An HTTP response.
    case respond(status: Int, headers: [(String, String)], body: [UInt8])
    /// A thrown error, as a network failure or timeout would be.
    case fail(String)

    /// PostHog's success answer.
    public static let ok = ScriptedReply.status(200, body: #"{"status":"Ok"}"#)

    /// A response with `code`, an optional `Retry-After` header and a text body.
    public static func status(_ code: Int, retryAfter: String? = nil, body: String = "") -> ScriptedReply {
        .respond(status: code, headers: retryAfter.map { [("Retry-After", $0)] } ?? [], body: Array(body.utf8))
    }

    var status: Int? {
        if case .respond(let status, _, _) = self { return status }
        return nil
    }
}

/// The error a ``ScriptedTransport`` throws for ``ScriptedReply/fail(_:)``.
public struct ScriptedTransportError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "scripted transport failure: \(message)" }
}

/// An ``HTTPTransport`` without sockets: it records every request and answers from a script, so
/// a sender's behaviour (retries, splits, bisection, headers, bodies) can be asserted exactly.
public final class ScriptedTransport: HTTPTransport {
    /// Decides the answer to a request; may suspend (to hold a sender up, see ``AsyncGate``).
    public typealias Handler = @Sendable (RecordedRequest) async -> ScriptedReply

    private struct State {
        var requests: [RecordedRequest] = []
        var replies: [ScriptedReply?] = []
        var shutdownCount = 0
    }

    private let state = Mutex(State())
    private let handler: Handler

    /// Answers with `replies` in order, then with `fallback` for every later request.
    public convenience init(_ replies: [ScriptedReply], then fallback: ScriptedReply = .ok) {
        let script = ReplyQueue(replies)
        self.init { _ in script.next() ?? fallback }
    }

    /// Answers each request with what `handler` returns.
    public init(handler: @escaping Handler) {
        self.handler = handler
    }

    /// Answers every request with 200.
    public convenience init() {
        self.init([], then: .ok)
    }

    /// A stuck host: every request waits until `gate` opens, then gets 200.
    public convenience init(stuckUntil gate: AsyncGate) {
        self.init { _ in
            await gate.wait()
            return .ok
        }
    }

    public func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        let raw = request.body ?? []
        var body = raw
        if Gzip.hasMagic(raw) || request.headers.contains(where: { $0.0.lowercased() == "content-encoding" && $0.1 == "gzip" }) {
            body = (try? Gzip.decompress(raw)) ?? raw
        }
        let json = try? JSONParser.parse(body)
        let index = state.withLock { s -> Int in
            s.replies.append(nil)
            return s.requests.count
        }
        let recorded = RecordedRequest(
            index: index, method: request.method, url: request.url, headers: request.headers, rawBody: raw, body: body,
            json: json, receivedAt: .now(), timeout: request.timeout)
        state.withLock { s in
            // Requests may arrive concurrently: keep them in index order.
            s.requests.append(recorded)
            s.requests.sort { $0.index < $1.index }
        }
        let reply = await handler(recorded)
        state.withLock { $0.replies[index] = reply }
        switch reply {
        case .respond(let status, let headers, let body):
            return HTTPTransportResponse(status: status, headers: headers, body: body)
        case .fail(let message):
            throw ScriptedTransportError(message: message)
        }
    }

    public func shutdown() async {
        state.withLock { $0.shutdownCount += 1 }
    }

    /// Every request received so far, in arrival order.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// How many requests were received.
    public var requestCount: Int { state.withLock { $0.requests.count } }

    /// How many times ``shutdown()`` was called.
    public var shutdownCount: Int { state.withLock { $0.shutdownCount } }

    /// The statuses answered so far, in request order (nil for a thrown error or a pending one).
    public var statuses: [Int?] { state.withLock { $0.replies.map { $0?.status } } }

    /// The uuids of every event in a request answered with a 2xx, in order (duplicates kept).
    public var deliveredUUIDs: [String] {
        state.withLock { s in
            s.requests.flatMap { request -> [String] in
                guard let status = s.replies[request.index]?.status, (200..<300).contains(status) else { return [] }
                return request.uuids
            }
        }
    }

    /// The events (as JSON) of every request answered with a 2xx, in order.
    public var deliveredEvents: [JSONValue] {
        state.withLock { s in
            s.requests.flatMap { request -> [JSONValue] in
                guard let status = s.replies[request.index]?.status, (200..<300).contains(status) else { return [] }
                return request.batch
            }
        }
    }
}

private final class ReplyQueue: Sendable {
    private let replies: Mutex<ArraySlice<ScriptedReply>>
    init(_ replies: [ScriptedReply]) { self.replies = Mutex(replies[...]) }
    func next() -> ScriptedReply? { replies.withLock { $0.popFirst() } }
}
