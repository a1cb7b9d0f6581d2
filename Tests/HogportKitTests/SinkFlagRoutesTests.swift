import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// A router (no sockets) with the flag routes over a definitions file in a directory of its own.
private func withFlagRouter<R>(
    definitions: [UInt8], personalKey: String? = FlagTestKeys.personal, _ body: (SinkRouter, TemporaryDirectory) throws -> R
) throws -> R {
    let directory = try TemporaryDirectory(prefix: "flag-routes")
    defer { directory.remove() }
    let path = try directory.write("definitions.json", definitions)
    var configuration = SinkConfiguration(databasePath: directory.file("sink.db"), apiKey: TestKeys.project)
    configuration.personalAPIKey = personalKey
    let router = SinkRouter(configuration: configuration, store: try SinkStore(path: configuration.databasePath))
    SinkFlagRoutes(definitionsPath: path, projectAPIKey: TestKeys.project, personalAPIKey: personalKey).install(on: router)
    return try body(router, directory)
}

private struct Answer {
    var status: Int?
    var headers: [(String, String)]
    var body: [UInt8]
    var json: JSONValue? { try? JSONParser.parse(body) }
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

private func answer(_ response: SinkResponse) -> Answer {
    if case .respond(let status, let headers, let body) = response { return Answer(status: status, headers: headers, body: body) }
    return Answer(status: nil, headers: [], body: [])
}

private func get(_ router: SinkRouter, _ uri: String, bearer: String? = FlagTestKeys.personal, ifNoneMatch: String? = nil) -> Answer {
    var headers: [(String, String)] = []
    if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
    if let ifNoneMatch { headers.append(("If-None-Match", ifNoneMatch)) }
    return answer(router.handle(SinkRequest(method: "GET", uri: uri, headers: headers, body: [])))
}

private func postFlags(_ router: SinkRouter, _ body: JSONValue) -> Answer {
    answer(router.handle(SinkRequest(method: "POST", uri: "/flags/?v=2", headers: [("Content-Type", "application/json")], body: JSONWriter.encode(body))))
}

private let definitionsURI = "/flags/definitions?token=\(TestKeys.project)&send_cohorts"

@Suite("Sink flag routes (SinkFlagRoutes)")
struct SinkFlagRoutesTests {
    @Test("GET /flags/definitions needs the Bearer personal key: 401 without it, with another scheme, or with a wrong key")
    func authentication() throws {
        let raw = FlagJSON.bytes(FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")]))
        try withFlagRouter(definitions: raw) { router, _ in
            #expect(get(router, definitionsURI, bearer: nil).status == 401)
            #expect(get(router, definitionsURI, bearer: "phx_wrong").status == 401)
            #expect(get(router, definitionsURI, bearer: "").status == 401)
            let basic = answer(
                router.handle(SinkRequest(method: "GET", uri: definitionsURI, headers: [("Authorization", "Basic \(FlagTestKeys.personal)")], body: [])))
            #expect(basic.status == 401)
            #expect(get(router, "/flags/definitions?token=phc_other&send_cohorts").status == 401, "wrong project token")
            let denied = get(router, definitionsURI, bearer: "phx_wrong")
            #expect(denied.json?["type"] == "authentication_error")
            #expect(!String(decoding: denied.body, as: UTF8.self).contains(FlagTestKeys.personal))
            #expect(get(router, definitionsURI).status == 200)
        }
    }

    @Test("200: the file byte for byte, a weak ETag and Cache-Control: private, must-revalidate; also on the legacy paths")
    func servesFile() throws {
        let raw = try FlagVectors.definitionsBytes()
        try withFlagRouter(definitions: raw) { router, _ in
            let ok = get(router, definitionsURI)
            #expect(ok.status == 200)
            #expect(ok.body == raw)
            let etag = try #require(ok.header("ETag"))
            #expect(etag.wholeMatch(of: /W\/"[0-9a-f]{16}"/) != nil, "\(etag)")
            #expect(ok.header("Cache-Control") == "private, must-revalidate")
            #expect(ok.header("Content-Type")?.hasPrefix("application/json") == true)
            for uri in [
                "/flags/definitions/?token=\(TestKeys.project)&send_cohorts", "/api/feature_flag/local_evaluation/?token=\(TestKeys.project)&send_cohorts",
                "/api/feature_flag/local_evaluation?token=\(TestKeys.project)", "/flags/definitions",
            ] {
                let other = get(router, uri)
                #expect(other.status == 200, "\(uri)")
                #expect(other.body == raw, "\(uri)")
                #expect(other.header("ETag") == etag, "\(uri)")
            }
        }
    }

    @Test("If-None-Match as W/\"x\", \"x\" or x gives 304 with the ETag and no body; another tag gives 200")
    func conditional() throws {
        let raw = FlagJSON.bytes(FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")]))
        try withFlagRouter(definitions: raw) { router, _ in
            let etag = try #require(get(router, definitionsURI).header("ETag"))
            let bare = String(etag.dropFirst(3).dropLast())
            for form in [etag, "\"\(bare)\"", bare, " \(etag) "] {
                let conditional = get(router, definitionsURI, ifNoneMatch: form)
                #expect(conditional.status == 304, "If-None-Match: \(form)")
                #expect(conditional.body.isEmpty)
                #expect(conditional.header("ETag") == etag)
            }
            for form in [#"W/"0000000000000000""#, "\"\(bare)x\"", ""] {
                let full = get(router, definitionsURI, ifNoneMatch: form)
                #expect(full.status == 200, "If-None-Match: \(form)")
                #expect(full.body == raw)
            }
            // A refused key gets 401 even with a matching tag.
            #expect(get(router, definitionsURI, bearer: "phx_wrong", ifNoneMatch: etag).status == 401)
        }
    }

    @Test("Editing the file changes the ETag; the old tag then gets 200 with the new body")
    func fileEdited() throws {
        let v1 = FlagJSON.bytes(FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")]))
        let v2 = FlagJSON.bytes(FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a", version: 2)]))
        try withFlagRouter(definitions: v1) { router, directory in
            let old = try #require(get(router, definitionsURI).header("ETag"))
            try directory.write("definitions.json", v2)
            let fresh = get(router, definitionsURI, ifNoneMatch: old)
            #expect(fresh.status == 200)
            #expect(fresh.body == v2)
            let new = try #require(fresh.header("ETag"))
            #expect(new != old)
            #expect(get(router, definitionsURI, ifNoneMatch: new).status == 304)
        }
    }

    @Test("Without a configured personal key any Bearer token is accepted, but one is still required")
    func anyBearer() throws {
        let raw = FlagJSON.bytes(FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")]))
        try withFlagRouter(definitions: raw, personalKey: nil) { router, _ in
            #expect(get(router, definitionsURI, bearer: "anything").status == 200)
            #expect(get(router, definitionsURI, bearer: nil).status == 401)
        }
    }

    @Test("POST /flags/?v=2 over HTTP: every public subject's records match the vectors and the evaluator; inconclusive flags are failed")
    func evaluatesLikeTheVectors() async throws {
        let raw = try FlagVectors.definitionsBytes()
        let definitions = try JSONParser.parse(raw)
        let evaluator = FlagEvaluator(definitions: try FlagDefinitions(json: definitions))
        var byKey: [String: JSONValue] = [:]
        for flag in definitions["flags"]?.arrayValue ?? [] { byKey[flag["key"]?.stringValue ?? ""] = flag }
        let subjects = try FlagVectors.subjects()
        #expect(subjects.count == 32)
        #expect(subjects.allSatisfy { $0.count == 64 })
        try await withFlagSink(definitions: raw) { sink in
            for subjectCases in subjects {
                let first = subjectCases[0]
                let distinctId = first.distinctId
                var request = first.subjectJSON.objectValue ?? [:]
                request["token"] = .string(TestKeys.project)
                let response = try await sink.server.post("/flags/?v=2", json: .object(request))
                #expect(response.status == 200)
                let json = try #require(response.json)
                let flags = try #require(json["flags"]?.objectValue)
                #expect(flags.count == 64, "\(distinctId)")
                #expect(json["errorsWhileComputingFlags"] == .bool(subjectCases.contains { $0.isInconclusive }))
                #expect(json["requestId"]?.stringValue?.isEmpty == false)
                let subject = FlagSubject(
                    distinctId: distinctId, groups: first.groups, personProperties: first.personProperties,
                    groupProperties: first.groupProperties, deviceId: first.deviceId)
                for c in subjectCases {
                    let record = try #require(flags[c.flagKey], "\(c.caseId)")
                    #expect(record["key"] == .string(c.flagKey))
                    #expect(record["metadata"]?["id"] == byKey[c.flagKey]?["id"])
                    #expect(record["metadata"]?["version"] == byKey[c.flagKey]?["version"])
                    let local = evaluator.evaluate(c.flagKey, for: subject, now: Date())
                    if let value = c.expectedValue {
                        #expect(record["failed"] == nil, "\(c.caseId)")
                        #expect(record["enabled"] == .bool(value.isEnabled), "\(c.caseId) \(c.flagKey)")
                        #expect(record["variant"] == (value.variantKey.map { .string($0) } ?? .null), "\(c.caseId) \(c.flagKey)")
                        #expect(record["metadata"]?["payload"] == c.expectedPayloadRaw, "\(c.caseId) \(c.flagKey) payload")
                        #expect(local?.value == value, "\(c.caseId) evaluator")
                    } else {
                        #expect(record["failed"] == true, "\(c.caseId) \(c.flagKey)")
                        #expect(record["enabled"] == false)
                        #expect(record["reason"]?["code"] == "evaluation_failed")
                        #expect(record["reason"]?["description"] == c.expectedReason.map { .string($0) }, "\(c.caseId)")
                        #expect(local?.isInconclusive == true, "\(c.caseId) evaluator")
                    }
                }
            }
        }
    }

    @Test("flag_keys_to_evaluate limits the answer to those keys (unknown keys are left out)")
    func flagKeysToEvaluate() throws {
        let raw = try FlagVectors.definitionsBytes()
        try withFlagRouter(definitions: raw) { router, _ in
            let response = postFlags(
                router,
                ["token": .string(TestKeys.project), "distinct_id": "user_12", "flag_keys_to_evaluate": ["sso-mv-5", "pricing-page-mv-12", "nope"]])
            #expect(response.status == 200)
            let flags = try #require(response.json?["flags"]?.objectValue)
            #expect(Set(flags.keys) == ["sso-mv-5", "pricing-page-mv-12"])
            #expect(flags["pricing-page-mv-12"]?["failed"] == true)
            #expect(flags["pricing-page-mv-12"]?["reason"]?["description"] == "experience_continuity")
            #expect(response.json?["errorsWhileComputingFlags"] == true)

            let only = postFlags(router, ["token": .string(TestKeys.project), "distinct_id": "user_12", "flag_keys_to_evaluate": ["mobile-nav-rollout-1"]])
            #expect(only.json?["flags"]?.objectValue?.keys.sorted() == ["mobile-nav-rollout-1"])
            #expect(only.json?["errorsWhileComputingFlags"] == false)
        }
    }

    @Test("POST /flags: 401 on a wrong or missing token; token, api_key and $token are accepted; 400 without distinct_id or JSON")
    func postValidation() throws {
        let raw = FlagJSON.bytes(FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a", payloads: ["true": "{\"p\":1}"])]))
        try withFlagRouter(definitions: raw) { router, _ in
            #expect(postFlags(router, ["token": "phc_wrong", "distinct_id": "u1"]).status == 401)
            #expect(postFlags(router, ["distinct_id": "u1"]).status == 401)
            for field in ["token", "api_key", "$token"] {
                let ok = postFlags(router, [field: .string(TestKeys.project), "distinct_id": "u1"])
                #expect(ok.status == 200, "\(field)")
                #expect(ok.json?["flags"]?["a"]?["enabled"] == true)
                #expect(ok.json?["flags"]?["a"]?["metadata"]?["payload"] == "{\"p\":1}")
            }
            #expect(postFlags(router, ["token": .string(TestKeys.project)]).status == 400)
            #expect(postFlags(router, ["token": .string(TestKeys.project), "distinct_id": ""]).status == 400)
            let notJSON = answer(router.handle(SinkRequest(method: "POST", uri: "/flags/?v=2", headers: [], body: Array("{oops".utf8))))
            #expect(notJSON.status == 400)
            let gzipped = try Gzip.compress(JSONWriter.encode(["token": .string(TestKeys.project), "distinct_id": "u1"]))
            let zipped = answer(
                router.handle(SinkRequest(method: "POST", uri: "/flags/?v=2", headers: [("Content-Encoding", "gzip")], body: gzipped)))
            #expect(zipped.status == 200)
            #expect(zipped.json?["flags"]?["a"]?["enabled"] == true)
        }
    }

    @Test("POST /flags reads the file on every request, and other paths are not taken over")
    func postReadsFileEachTime() throws {
        let v1 = FlagJSON.bytes(FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")]))
        let v2 = FlagJSON.bytes(FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a", active: false)]))
        try withFlagRouter(definitions: v1) { router, directory in
            let body: JSONValue = ["token": .string(TestKeys.project), "distinct_id": "u1"]
            #expect(postFlags(router, body).json?["flags"]?["a"]?["enabled"] == true)
            try directory.write("definitions.json", v2)
            #expect(postFlags(router, body).json?["flags"]?["a"]?["enabled"] == false)
            #expect(get(router, "/flags/other").status == 404)
        }
    }
}
