/// A request as PostHogKit hands it to a transport.
public struct HTTPTransportRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// The deadline for this one attempt.
    public var timeout: Duration

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, timeout: Duration) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// A transport's error for a response body over its size limit: the request worked, but its
/// answer is more than the caller agreed to hold (ask for less, for example a smaller page).
public struct HTTPResponseTooLarge: Error, Sendable, CustomStringConvertible {
    /// The limit, in bytes.
    public var limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    public var description: String {
        limit >= 1024 * 1024 ? "the response is larger than \(limit / (1024 * 1024)) MiB" : "the response is larger than \(limit) bytes"
    }
}

/// A response as a transport returns it.
public struct HTTPTransportResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }
}

/// Sends one HTTP request; throws for network failures and timeouts, returns every HTTP status.
///
/// ``AsyncHTTPClientTransport`` is the production implementation; tests may supply their own.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse
    /// Releases connections; called once by the owner when done.
    func shutdown() async
}
