public import PostHogCore

/// Fetches feature-flag definitions for local evaluation: `GET {host}/flags/definitions`.
///
/// It sends the project key as `token`, `send_cohorts`, the secret (a personal API key `phx_…` or a
/// project secret key `phs_…`) as a Bearer token, and the last ETag as `If-None-Match`.
public struct FlagDefinitionsFetcher: Sendable {
    public var host: String
    public var projectAPIKey: String
    public var secretKey: String
    public var transport: any HTTPTransport
    public var timeout: Duration
    /// Use the legacy `/api/feature_flag/local_evaluation/` path.
    public var legacyEndpoint: Bool

    public init(
        host: String, projectAPIKey: String, secretKey: String, transport: any HTTPTransport, timeout: Duration = .seconds(10), legacyEndpoint: Bool = false
    ) {
        self.host = host
        self.projectAPIKey = projectAPIKey
        self.secretKey = secretKey
        self.transport = transport
        self.timeout = timeout
        self.legacyEndpoint = legacyEndpoint
    }

    /// What one fetch returned.
    public enum Result: Sendable {
        /// New definitions: the parsed body, its raw bytes and the ETag (if any).
        case modified(JSONValue, raw: [UInt8], etag: String?)
        /// 304: the definitions held are current.
        case notModified(etag: String?)
        /// 402: the project is over its feature-flag quota; definitions must be cleared.
        case quotaLimited
        /// 401: the secret was refused; definitions must be cleared.
        case unauthorized
        /// Anything else (403, 429, 5xx, network, bad body): keep what is held.
        case failed(status: Int?, message: String)
    }

    /// The request URL (with the project key as `token`, which is not a secret).
    public var url: String {
        let path = legacyEndpoint ? "/api/feature_flag/local_evaluation/" : "/flags/definitions"
        return BatchSender.join(host, path) + "?token=" + Self.percentEncode(projectAPIKey) + "&send_cohorts"
    }

    /// Fetches once.
    public func fetch(etag: String?) async -> Result {
        var headers = [("Authorization", "Bearer \(secretKey)"), ("User-Agent", PostHogKitInfo.userAgent), ("Accept", "application/json")]
        if let etag { headers.append(("If-None-Match", etag)) }
        let request = HTTPTransportRequest(method: "GET", url: url, headers: headers, timeout: timeout)
        let response: HTTPTransportResponse
        do {
            response = try await transport.send(request)
        } catch {
            return .failed(status: nil, message: "network error: \(error)")
        }
        let newTag = response.header("ETag")
        switch response.status {
        case 200:
            do {
                let json = try JSONParser.parse(response.body)
                guard json["flags"]?.arrayValue != nil else {
                    return .failed(status: 200, message: "the response has no 'flags' list")
                }
                return .modified(json, raw: response.body, etag: newTag)
            } catch {
                return .failed(status: 200, message: "unreadable definitions: \(error)")
            }
        case 304: return .notModified(etag: newTag ?? etag)
        case 402: return .quotaLimited
        case 401: return .unauthorized
        default:
            let text = String(decoding: response.body.prefix(300), as: UTF8.self)
            return .failed(status: response.status, message: text.isEmpty ? "HTTP \(response.status)" : text)
        }
    }

    static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(b))
            default:
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
