import PostHogKit
import PostHogCore
import Foundation

/// The sink's feature-flag endpoints, served from a definitions file:
///
/// - `GET /flags/definitions` and `GET /api/feature_flag/local_evaluation/`: the file, with the
///   Bearer secret required and weak ETags honoured (304 on a match);
/// - `POST /flags/?v=2`: flags evaluated for the posted subject with hogport's own evaluator.
///
/// The file is read on every request, so a test (or a person) can edit it while the sink runs.
public struct SinkFlagRoutes: Sendable {
    public let definitionsPath: String
    public let projectAPIKey: String
    public let personalAPIKey: String?

    public init(definitionsPath: String, projectAPIKey: String, personalAPIKey: String?) {
        self.definitionsPath = definitionsPath
        self.projectAPIKey = projectAPIKey
        self.personalAPIKey = personalAPIKey
    }

    /// Adds these routes to `router`.
    public func install(on router: SinkRouter) {
        router.addRoute { request in self.handle(request) }
    }

    func handle(_ request: SinkRequest) -> SinkResponse? {
        switch (request.method, request.path) {
        case ("GET", "/flags/definitions"), ("GET", "/flags/definitions/"), ("GET", "/api/feature_flag/local_evaluation/"),
            ("GET", "/api/feature_flag/local_evaluation"):
            return definitions(request)
        case ("POST", "/flags"), ("POST", "/flags/"), ("POST", "/decide"), ("POST", "/decide/"):
            return evaluate(request)
        default:
            return nil
        }
    }

    func loadFile() -> [UInt8]? {
        FileManager.default.contents(atPath: definitionsPath).map { Array($0) }
    }

    static func etag(of bytes: [UInt8]) -> String {
        let digest = SHA1.hex(SHA1.hash(bytes).prefix(8))
        return "W/\"\(digest)\""
    }

    static func bareTag(_ tag: String) -> String {
        var t = Substring(tag.trimmingCharacters(in: .whitespaces))
        if t.hasPrefix("W/") { t = t.dropFirst(2) }
        if t.hasPrefix("\"") && t.hasSuffix("\"") && t.count >= 2 { t = t.dropFirst().dropLast() }
        return String(t)
    }

    func definitions(_ request: SinkRequest) -> SinkResponse {
        guard let authorization = request.header("Authorization"), authorization.hasPrefix("Bearer ") else {
            return .json(401, ["type": "authentication_error", "code": "not_authenticated", "detail": "Authentication credentials were not provided."])
        }
        let secret = String(authorization.dropFirst("Bearer ".count))
        if let personalAPIKey, secret != personalAPIKey {
            return .json(401, ["type": "authentication_error", "code": "authentication_failed", "detail": "Invalid personal API key."])
        }
        if let token = request.query["token"], token != projectAPIKey {
            return .json(401, ["type": "authentication_error", "code": "authentication_failed", "detail": "Invalid project token."])
        }
        guard let bytes = loadFile() else {
            return .json(200, ["flags": [], "group_type_mapping": [:], "cohorts": [:]])
        }
        let tag = Self.etag(of: bytes)
        if let match = request.header("If-None-Match"), Self.bareTag(match) == Self.bareTag(tag) {
            return .respond(status: 304, headers: [("ETag", tag)], body: [])
        }
        return .respond(
            status: 200, headers: [("Content-Type", "application/json"), ("ETag", tag), ("Cache-Control", "private, must-revalidate")], body: bytes)
    }

    func evaluate(_ request: SinkRequest) -> SinkResponse {
        var body = request.body
        if Gzip.hasMagic(body), let inflated = try? Gzip.decompress(body, limit: 16 << 20) { body = inflated }
        guard let json = try? JSONParser.parse(body), case .object(let object) = json else {
            return .text(400, "invalid JSON body")
        }
        let token = object["token"]?.stringValue ?? object["api_key"]?.stringValue ?? object["$token"]?.stringValue
        guard token == projectAPIKey else { return .text(401, "invalid project API key") }
        guard let distinctId = object["distinct_id"].map({ $0.stringValue ?? JSONWriter.string($0) }), !distinctId.isEmpty else {
            return .text(400, "distinct_id is required")
        }
        var groups: [String: String] = [:]
        for (type, key) in object["groups"]?.objectValue ?? [:] { groups[type] = key.stringValue ?? JSONWriter.string(key) }
        var groupProperties: [String: [String: JSONValue]] = [:]
        for (type, props) in object["group_properties"]?.objectValue ?? [:] { groupProperties[type] = props.objectValue ?? [:] }
        let subject = FlagSubject(
            distinctId: distinctId, groups: groups, personProperties: object["person_properties"]?.objectValue ?? [:],
            groupProperties: groupProperties, deviceId: object["device_id"]?.stringValue ?? object["$device_id"]?.stringValue)
        let requested = object["flag_keys_to_evaluate"]?.arrayValue?.compactMap(\.stringValue)
        let definitionsJSON = loadFile().flatMap { try? JSONParser.parse($0) } ?? ["flags": []]
        guard let definitions = try? FlagDefinitions(json: definitionsJSON) else { return .text(500, "the sink's flag definitions are unreadable") }
        let evaluator = FlagEvaluator(definitions: definitions)
        var flags: [String: JSONValue] = [:]
        var errors = false
        for flag in definitionsJSON["flags"]?.arrayValue ?? [] {
            guard let key = flag["key"]?.stringValue else { continue }
            if let requested, !requested.contains(key) { continue }
            var metadata: [String: JSONValue] = ["id": flag["id"] ?? .null, "version": flag["version"] ?? .null, "payload": .null]
            switch evaluator.evaluate(key, for: subject, now: Date()) {
            case .decided(let value, _)?:
                let payload = flag["filters"]?["payloads"]?[value.payloadKey] ?? .null
                metadata["payload"] = payload
                flags[key] = [
                    "key": .string(key), "enabled": .bool(value.isEnabled), "variant": value.variantKey.map { .string($0) } ?? .null,
                    "reason": ["code": value.isEnabled ? "condition_match" : "no_condition_match"], "metadata": .object(metadata),
                ]
            case .inconclusive(let reason)?:
                // The sink has no person store: what the real server would look up, it cannot.
                errors = true
                flags[key] = [
                    "key": .string(key), "enabled": false, "variant": .null, "failed": true,
                    "reason": ["code": "evaluation_failed", "description": .string(reason.rawValue)], "metadata": .object(metadata),
                ]
            case nil:
                continue
            }
        }
        return .json(200, ["flags": .object(flags), "errorsWhileComputingFlags": .bool(errors), "requestId": .string(EventUUID.v7())])
    }
}
