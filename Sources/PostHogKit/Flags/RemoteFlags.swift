import PostHogCore

/// Asks PostHog to evaluate flags: `POST {host}/flags/?v=2`, the fallback for flags that cannot
/// be decided locally.
struct RemoteFlags: Sendable {
    var host: String
    var projectAPIKey: String
    var transport: any HTTPTransport
    var timeout: Duration
    var disableGeoIP: Bool

    struct Record: Sendable {
        var value: FeatureFlagValue
        var payload: JSONValue?
    }

    struct Response: Sendable {
        /// Flags the server evaluated (failed ones are absent).
        var flags: [String: Record] = [:]
        /// Keys the server reported as failed.
        var failed: Set<String> = []
        var errorsWhileComputing = false
        var quotaLimited = false
        var requestId: String?
    }

    func evaluate(_ subject: FlagSubject, keys: [String]?) async -> Result<Response, PostHogError> {
        var groupProperties: [String: JSONValue] = [:]
        for (type, key) in subject.groups {
            var props = subject.groupProperties[type] ?? [:]
            if props["$group_key"] == nil { props["$group_key"] = .string(key) }
            groupProperties[type] = .object(props)
        }
        var body: [String: JSONValue] = [
            "token": .string(projectAPIKey), "distinct_id": .string(subject.distinctId),
            "groups": .object(subject.groups.mapValues { .string($0) }), "person_properties": .object(subject.personProperties),
            "group_properties": .object(groupProperties), "geoip_disable": .bool(disableGeoIP),
        ]
        if let keys { body["flag_keys_to_evaluate"] = .array(keys.map { .string($0) }) }
        if let device = subject.deviceId { body["device_id"] = .string(device) }
        let request = HTTPTransportRequest(
            method: "POST", url: BatchSender.join(host, "/flags/?v=2"),
            headers: [("Content-Type", "application/json"), ("User-Agent", PostHogKitInfo.userAgent)],
            body: JSONWriter.encode(.object(body)), timeout: timeout)
        var lastError = PostHogError(.remoteFlagsFailed, "no answer from /flags")
        // One retry, on transport errors and 502/504 only, as the SDKs do.
        for attempt in 0..<2 {
            let response: HTTPTransportResponse
            do {
                response = try await transport.send(request)
            } catch {
                lastError = PostHogError(.remoteFlagsFailed, "flags request failed: \(error)")
                if attempt == 0 { continue }
                return .failure(lastError)
            }
            if (response.status == 502 || response.status == 504) && attempt == 0 { continue }
            guard (200..<300).contains(response.status) else {
                return .failure(PostHogError(.remoteFlagsFailed, "flags request refused", status: response.status))
            }
            guard let json = try? JSONParser.parse(response.body) else {
                return .failure(PostHogError(.remoteFlagsFailed, "the /flags response is not JSON"))
            }
            return .success(Self.parse(json))
        }
        return .failure(lastError)
    }

    /// Reads a `/flags` response, v2 records or the legacy `featureFlags` map.
    static func parse(_ json: JSONValue) -> Response {
        var response = Response()
        response.errorsWhileComputing = json["errorsWhileComputingFlags"]?.boolValue ?? false
        response.quotaLimited = json["quotaLimited"]?.arrayValue?.contains(.string("feature_flags")) ?? false
        response.requestId = json["requestId"]?.stringValue
        if case .object(let flags)? = json["flags"] {
            for (key, record) in flags {
                if record["failed"]?.boolValue == true {
                    response.failed.insert(key)
                    continue
                }
                let value: FeatureFlagValue
                if let variant = record["variant"]?.stringValue {
                    value = .variant(variant)
                } else {
                    value = .enabled(record["enabled"]?.boolValue ?? false)
                }
                response.flags[key] = Record(value: value, payload: decodePayload(record["metadata"]?["payload"]))
            }
        } else if case .object(let legacy)? = json["featureFlags"] {
            let payloads = json["featureFlagPayloads"]?.objectValue ?? [:]
            for (key, raw) in legacy {
                let value: FeatureFlagValue
                switch raw {
                case .string(let variant): value = .variant(variant)
                case .bool(let on): value = .enabled(on)
                default: continue
                }
                response.flags[key] = Record(value: value, payload: decodePayload(payloads[key]))
            }
        }
        return response
    }

    /// Payloads arrive as JSON text (usually) or as JSON; text that is not JSON gives nil.
    static func decodePayload(_ value: JSONValue?) -> JSONValue? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            // A payload of JSON `null` is no payload, as in local evaluation.
            guard let decoded = try? JSONParser.parse(text), decoded != .null else { return nil }
            return decoded
        case let other?: return other
        }
    }
}
