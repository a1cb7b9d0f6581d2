import Foundation
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// Runs `body` with a client that has no personal key (every read goes to `/flags`), answered by `transport`.
private func withRemoteClient(
    _ transport: ScriptedTransport, personalKey: String? = nil, _ body: (PostHogClient) async throws -> Void
) async throws {
    try await PostHogClient.withClient(flagClientConfiguration(host: "http://flags.test/", transport: transport, personalKey: personalKey)) {
        client in try await body(client)
    }
}

@Suite("FeatureFlag remote evaluation (/flags) with a scripted transport")
struct FeatureFlagRemoteTests {
    @Test("v2 records: variant, enabled, failed, metadata.payload as a JSON string and as JSON")
    func v2Records() async throws {
        let response = flagsResponse([
            flagRecord("on", payload: "{\"k\":1}"),
            flagRecord("variant", enabled: true, variant: "test", payload: ["obj": true]),
            flagRecord("off", enabled: false),
            flagRecord("broken", enabled: false, failed: true),
            flagRecord("text", payload: "\"hello\""),
            flagRecord("not-json", payload: "not json"),
        ])
        let transport = flagScriptedTransport(thenRemote: flagJSONReply(200, response))
        try await withRemoteClient(transport) { client in
            let (flags, payloads) = await client.getAllFlagsAndPayloads(distinctId: "u1")
            #expect(flags == ["on": true, "variant": "test", "off": false, "text": true, "not-json": true])
            #expect(payloads == ["on": ["k": 1], "variant": ["obj": true], "text": "hello"])
            #expect(await client.getFeatureFlag("variant", distinctId: "u1", sendFeatureFlagEvents: false) == "test")
            #expect(await client.isFeatureEnabled("variant", distinctId: "u1", sendFeatureFlagEvents: false) == true)
            #expect(await client.getFeatureFlag("off", distinctId: "u1", sendFeatureFlagEvents: false) == false)
            #expect(await client.getFeatureFlag("broken", distinctId: "u1", sendFeatureFlagEvents: false) == nil, "failed → no value")
            #expect(await client.getFeatureFlag("absent", distinctId: "u1", sendFeatureFlagEvents: false) == nil)
            #expect(await client.getFeatureFlagPayload("on", distinctId: "u1") == ["k": 1])
            #expect(await client.getFeatureFlagPayload("variant", distinctId: "u1") == ["obj": true])
            #expect(await client.getFeatureFlagPayload("not-json", distinctId: "u1") == nil)
        }
    }

    @Test("A payload that is the JSON text 'null' is no payload (as the local evaluator and the SDKs say)")
    func nullPayloadText() async throws {
        let transport = flagScriptedTransport(thenRemote: flagJSONReply(200, flagsResponse([flagRecord("a", payload: "null")])))
        try await withRemoteClient(transport) { client in
            do {
                #expect(await client.getFeatureFlagPayload("a", distinctId: "u1") == nil)
                #expect(await client.getAllFlagsAndPayloads(distinctId: "u1").payloads.isEmpty)
            }
            #expect(await client.getFeatureFlag("a", distinctId: "u1", sendFeatureFlagEvents: false) == true)
        }
    }

    @Test("The legacy shape: featureFlags and featureFlagPayloads maps")
    func legacyShape() async throws {
        let body: JSONValue = [
            "featureFlags": ["a": true, "b": "variant-x", "c": false],
            "featureFlagPayloads": ["a": "{\"n\":1}", "b": "[1]"],
            "errorsWhileComputingFlags": false,
        ]
        let transport = flagScriptedTransport(thenRemote: flagJSONReply(200, body))
        try await withRemoteClient(transport) { client in
            let (flags, payloads) = await client.getAllFlagsAndPayloads(distinctId: "u1")
            #expect(flags == ["a": true, "b": "variant-x", "c": false])
            #expect(payloads == ["a": ["n": 1], "b": [1]])
            #expect(await client.getFeatureFlag("b", distinctId: "u1", sendFeatureFlagEvents: false) == "variant-x")
        }
    }

    @Test("quotaLimited [\"feature_flags\"] means no values")
    func quotaLimited() async throws {
        let body = flagsResponse([flagRecord("a")], extra: ["quotaLimited": ["feature_flags"]])
        let transport = flagScriptedTransport(thenRemote: flagJSONReply(200, body))
        try await withRemoteClient(transport) { client in
            #expect(await client.getFeatureFlag("a", distinctId: "u1", sendFeatureFlagEvents: false) == nil)
            #expect(await client.getAllFlags(distinctId: "u1").isEmpty)
            #expect(await client.getFeatureFlagPayload("a", distinctId: "u1") == nil)
        }
    }

    @Test("quotaLimited for another product does not hide flag values")
    func quotaLimitedOther() async throws {
        let body = flagsResponse([flagRecord("a")], extra: ["quotaLimited": ["recordings"]])
        let transport = flagScriptedTransport(thenRemote: flagJSONReply(200, body))
        try await withRemoteClient(transport) { client in
            #expect(await client.getFeatureFlag("a", distinctId: "u1", sendFeatureFlagEvents: false) == true)
        }
    }

    @Test("Request: POST {host}/flags/?v=2 with token, distinct_id, groups {}, the caller's person properties (no distinct_id injected)")
    func requestBodyNoGroups() async throws {
        let transport = flagScriptedTransport(thenRemote: flagJSONReply(200, flagsResponse([flagRecord("a")])))
        try await withRemoteClient(transport) { client in
            _ = await client.getFeatureFlag("a", distinctId: "u1", personProperties: ["plan": "pro", "n": 2], sendFeatureFlagEvents: false)
        }
        let request = try #require(transport.remoteFlagRequests.first)
        #expect(request.method == "POST")
        #expect(request.url == "http://flags.test/flags/?v=2")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("Authorization") == nil, "the personal key is never sent to /flags")
        let body = try #require(request.json)
        #expect(body["token"] == .string(TestKeys.project))
        #expect(body["distinct_id"] == "u1")
        #expect(body["groups"] == .object([:]), "groups is {} when none, never omitted")
        #expect(body["person_properties"] == ["plan": "pro", "n": 2])
        #expect(body["group_properties"] == .object([:]))
        #expect(body["flag_keys_to_evaluate"] == ["a"])
    }

    @Test("Request: groups, and group_properties with $group_key added (the caller's $group_key wins)")
    func requestBodyGroups() async throws {
        let transport = flagScriptedTransport(thenRemote: flagJSONReply(200, flagsResponse([])))
        try await withRemoteClient(transport) { client in
            _ = await client.getAllFlags(
                distinctId: "u1", groups: ["company": "acme", "project": "p1"], personProperties: ["distinct_id": "custom"],
                groupProperties: ["company": ["seats": 40], "project": ["$group_key": "override"]])
        }
        let body = try #require(transport.remoteFlagRequests.first?.json)
        #expect(body["groups"] == ["company": "acme", "project": "p1"])
        #expect(body["person_properties"] == ["distinct_id": "custom"])
        #expect(body["group_properties"] == ["company": ["seats": 40, "$group_key": "acme"], "project": ["$group_key": "override"]])
        #expect(body["flag_keys_to_evaluate"] == nil, "all-flags reads ask for everything")
    }

    @Test("Personal key set: the person properties sent to /flags still have no injected distinct_id")
    func requestBodyWithDefinitions() async throws {
        let definitions = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "cont", ensureExperienceContinuity: true)])
        let transport = flagScriptedTransport(
            definitions: [flagJSONReply(200, definitions)], thenRemote: flagJSONReply(200, flagsResponse([flagRecord("cont")])))
        try await withRemoteClient(transport, personalKey: FlagTestKeys.personal) { client in
            #expect(await client.getFeatureFlag("cont", distinctId: "u1", personProperties: ["plan": "pro"], sendFeatureFlagEvents: false) == true)
        }
        #expect(transport.remoteFlagRequests.first?.json?["person_properties"] == ["plan": "pro"])
    }

    @Test("A 502 or 504 is retried once", arguments: [502, 504])
    func retryOnce(status: Int) async throws {
        let transport = flagScriptedTransport(remote: [.status(status)], thenRemote: flagJSONReply(200, flagsResponse([flagRecord("a")])))
        try await withRemoteClient(transport) { client in
            #expect(await client.getFeatureFlag("a", distinctId: "u1", sendFeatureFlagEvents: false) == true)
        }
        #expect(transport.remoteFlagRequests.count == 2)
    }

    @Test("Only once: two 502s give nil after two requests")
    func retryOnlyOnce() async throws {
        let transport = flagScriptedTransport(remote: [.status(502), .status(502)], thenRemote: flagJSONReply(200, flagsResponse([flagRecord("a")])))
        try await withRemoteClient(transport) { client in
            #expect(await client.getFeatureFlag("a", distinctId: "u1", sendFeatureFlagEvents: false) == nil)
        }
        #expect(transport.remoteFlagRequests.count == 2)
    }

    @Test("A transport error is retried once too")
    func retryNetwork() async throws {
        let transport = flagScriptedTransport(remote: [.fail("reset")], thenRemote: flagJSONReply(200, flagsResponse([flagRecord("a")])))
        try await withRemoteClient(transport) { client in
            #expect(await client.getFeatureFlag("a", distinctId: "u1", sendFeatureFlagEvents: false) == true)
        }
        #expect(transport.remoteFlagRequests.count == 2)
    }

    @Test("Other failures are not retried and give nil / empty", arguments: [400, 401, 429, 500, 503])
    func noRetry(status: Int) async throws {
        let transport = flagScriptedTransport(remote: [.status(status)], thenRemote: flagJSONReply(200, flagsResponse([flagRecord("a")])))
        try await withRemoteClient(transport) { client in
            #expect(await client.getFeatureFlag("a", distinctId: "u1", sendFeatureFlagEvents: false) == nil)
        }
        #expect(transport.remoteFlagRequests.count == 1)
    }

    @Test("A body that is not JSON gives nil")
    func notJSON() async throws {
        let transport = flagScriptedTransport(thenRemote: .status(200, body: "<html>"))
        try await withRemoteClient(transport) { client in
            #expect(await client.getFeatureFlag("a", distinctId: "u1", sendFeatureFlagEvents: false) == nil)
            #expect(await client.getAllFlags(distinctId: "u1").isEmpty)
        }
    }

    @Test("All-flags fallback merge: the server's values replace local ones; local values survive only for keys the server failed")
    func fallbackMerge() async throws {
        let definitions = FlagJSON.definitions([
            FlagJSON.flag(id: 1, key: "local-kept"), FlagJSON.flag(id: 2, key: "local-replaced"), FlagJSON.flag(id: 3, key: "local-dropped"),
            FlagJSON.flag(id: 4, key: "cont", ensureExperienceContinuity: true),
        ])
        let remote = flagsResponse(
            [
                flagRecord("cont", variant: "x", payload: "{\"p\":1}"), flagRecord("local-replaced", enabled: false),
                flagRecord("local-kept", enabled: false, failed: true), flagRecord("server-only"),
            ], errors: true)
        let transport = flagScriptedTransport(definitions: [flagJSONReply(200, definitions)], remote: [flagJSONReply(200, remote)])
        try await withRemoteClient(transport, personalKey: FlagTestKeys.personal) { client in
            let (flags, payloads) = await client.getAllFlagsAndPayloads(distinctId: "u1")
            #expect(flags == ["cont": "x", "local-replaced": false, "local-kept": true, "server-only": true])
            #expect(payloads == ["cont": ["p": 1]])
        }
        #expect(transport.remoteFlagRequests.count == 1)
    }

    @Test("When the all-flags fallback fails, the locally decided values are returned")
    func fallbackFailureKeepsLocal() async throws {
        let definitions = FlagJSON.definitions([
            FlagJSON.flag(id: 1, key: "a"), FlagJSON.flag(id: 4, key: "cont", ensureExperienceContinuity: true),
        ])
        let transport = flagScriptedTransport(definitions: [flagJSONReply(200, definitions)], thenRemote: .status(500))
        let errors = ErrorRecorder()
        let configuration = flagClientConfiguration(host: "http://flags.test", transport: transport, errors: errors)
        await PostHogClient.withClient(configuration) { client in
            #expect(await client.getAllFlags(distinctId: "u1") == ["a": true])
        }
        #expect(transport.remoteFlagRequests.count == 1)
        #expect(!errors.errors.isEmpty, "the failure is reported")
    }
}
