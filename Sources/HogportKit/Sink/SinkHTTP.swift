/// A request as the sink's router sees it: already read whole from the connection.
public struct SinkRequest: Sendable {
    public var method: String
    /// The path without the query string.
    public var path: String
    /// Query parameters.
    public var query: [String: String]
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: String, uri: String, headers: [(String, String)], body: [UInt8]) {
        self.method = method
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts.first ?? "/")
        var query: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query[String(kv[0]).removingPercentEncodingLenient] = kv.count > 1 ? String(kv[1]).removingPercentEncodingLenient : ""
            }
        }
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name`, case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }
}

/// The sink's answer: a response, or closing the connection without one (an injected drop).
public enum SinkResponse: Sendable {
    case respond(status: Int, headers: [(String, String)], body: [UInt8])
    case drop

    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> SinkResponse {
        .respond(status: status, headers: [("Content-Type", "application/json")] + headers, body: JSONWriter.encode(value, sortedKeys: true))
    }

    static func text(_ status: Int, _ message: String, headers: [(String, String)] = []) -> SinkResponse {
        .respond(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + headers, body: Array(message.utf8))
    }

    /// The status, or nil for a drop.
    public var status: Int? {
        if case .respond(let status, _, _) = self { return status }
        return nil
    }
}

import PostHogKit
import PostHogCore

extension String {
    var removingPercentEncodingLenient: String {
        guard contains("%") || contains("+") else { return self }
        var bytes: [UInt8] = []
        var it = Array(utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if c == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
