import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// A client for `sink` through a recording proxy, with the vectors' conventions.
private func withFlagClient<R>(
    _ sink: FlagSink, personalKey: String? = FlagTestKeys.personal, errors: ErrorRecorder? = nil,
    _ body: (PostHogClient, ScriptedTransport) async throws -> R
) async throws -> R {
    try await withRecordingProxy { proxy in
        try await PostHogClient.withClient(flagClientConfiguration(host: sink.url, transport: proxy, personalKey: personalKey, errors: errors)) {
            client in try await body(client, proxy)
        }
    }
}

/// The values a subject's decided cases expect, by flag key.
private func expectedValues(_ cases: [FlagVectorCase]) -> [String: FeatureFlagValue] {
    var out: [String: FeatureFlagValue] = [:]
    for c in cases { if let value = c.expectedValue { out[c.flagKey] = value } }
    return out
}

/// The non-null payloads a subject's cases expect, by flag key.
private func expectedPayloads(_ cases: [FlagVectorCase]) -> [String: JSONValue] {
    var out: [String: JSONValue] = [:]
    for c in cases { if let payload = c.expectedPayloadValue { out[c.flagKey] = payload } }
    return out
}

private let subjectId = "user_12"

@Suite("FeatureFlag client API against a sink serving flags")
struct FeatureFlagClientTests {
    // Subjects without a device_id (the client API takes none) and with string group keys.
    @Test(
        "Single and all-flags reads give the vectors' values and payloads; decided flags never call /flags",
        arguments: ["user_12", "Eve12@example.com", "李雷-6"])
    func vectorsThroughClient(distinctId: String) async throws {
        let cases = try FlagVectors.cases(forDistinctId: distinctId)
        try #require(cases.count == 64)
        let first = cases[0]
        let (groups, personProperties, groupProperties) = (first.groups, first.personProperties, first.groupProperties)
        try await withFlagSink(definitions: try FlagVectors.definitionsBytes()) { sink in
            try await withFlagClient(sink) { client, proxy in
                for c in cases {
                    let value = await client.getFeatureFlag(
                        c.flagKey, distinctId: distinctId, groups: groups, personProperties: personProperties, groupProperties: groupProperties,
                        onlyEvaluateLocally: true, sendFeatureFlagEvents: false)
                    #expect(value == c.expectedValue, "\(c.caseId) \(c.flagKey)")
                    let enabled = await client.isFeatureEnabled(
                        c.flagKey, distinctId: distinctId, groups: groups, personProperties: personProperties, groupProperties: groupProperties,
                        onlyEvaluateLocally: true, sendFeatureFlagEvents: false)
                    #expect(enabled == c.expectedValue?.isEnabled, "\(c.caseId) \(c.flagKey)")
                    let payload = await client.getFeatureFlagPayload(
                        c.flagKey, distinctId: distinctId, groups: groups, personProperties: personProperties, groupProperties: groupProperties,
                        onlyEvaluateLocally: true)
                    #expect(payload == c.expectedPayloadValue, "\(c.caseId) \(c.flagKey) payload")
                }
                let all = await client.getAllFlags(
                    distinctId: distinctId, groups: groups, personProperties: personProperties, groupProperties: groupProperties,
                    onlyEvaluateLocally: true)
                #expect(all == expectedValues(cases))
                let both = await client.getAllFlagsAndPayloads(
                    distinctId: distinctId, groups: groups, personProperties: personProperties, groupProperties: groupProperties,
                    onlyEvaluateLocally: true)
                #expect(both.flags == expectedValues(cases))
                #expect(both.payloads == expectedPayloads(cases))

                // A decided flag read without onlyEvaluateLocally stays local too.
                let decided = try #require(cases.first { $0.expectedValue != nil })
                #expect(
                    await client.getFeatureFlag(
                        decided.flagKey, distinctId: distinctId, groups: groups, personProperties: personProperties,
                        groupProperties: groupProperties, sendFeatureFlagEvents: false) == decided.expectedValue)
                #expect(proxy.remoteFlagRequests.isEmpty, "no /flags request for locally decided flags")
                #expect(proxy.definitionsFetches.count == 1)
                #expect(proxy.definitionsStatuses == [200])
            }
        }
    }

    @Test("Chosen cases by name: boolean, variant, holdout, group flag, inactive, JSON-object payload, invalid payload")
    func chosenCases() async throws {
        let cases = try FlagVectors.cases(forDistinctId: subjectId)
        let s = cases[0]
        try await withFlagSink(definitions: try FlagVectors.definitionsBytes()) { sink in
            try await withFlagClient(sink) { client, proxy in
                func value(_ key: String) async -> FeatureFlagValue? {
                    await client.getFeatureFlag(
                        key, distinctId: subjectId, groups: s.groups, personProperties: s.personProperties, groupProperties: s.groupProperties,
                        sendFeatureFlagEvents: false)
                }
                func payload(_ key: String) async -> JSONValue? {
                    await client.getFeatureFlagPayload(
                        key, distinctId: subjectId, groups: s.groups, personProperties: s.personProperties, groupProperties: s.groupProperties)
                }
                #expect(await value("mobile-nav-rollout-1") == true)
                #expect(await payload("mobile-nav-rollout-1") == [1, 2, 3])
                #expect(await value("sso-mv-5") == "blue")
                #expect(await payload("sso-mv-5") == ["already": "an object"])
                #expect(await value("onboarding-mv-9") == "green")
                #expect(await payload("onboarding-mv-9") == ["color": "blue", "size": 3])
                #expect(await value("onboarding-mv-13") == "holdout-629")
                #expect(await value("billing-group-57") == true)
                #expect(await payload("billing-group-57") == 3.5)
                #expect(await value("export-bool-3") == false)
                #expect(await value("dark-mode-bool-11") == false, "inactive flag")
                #expect(await value("session-replay-op-lt-38") == "variant-a")
                #expect(await payload("session-replay-op-lt-38") == nil, "payload 'not json' decodes to nil")
                #expect(await payload("insights-op-semver-tilde-49") == nil, "payload 'null' is nil")
                #expect(
                    await client.isFeatureEnabled(
                        "billing-group-57", distinctId: subjectId, groups: s.groups, personProperties: s.personProperties,
                        groupProperties: s.groupProperties, sendFeatureFlagEvents: false) == true)
                // Without its group, a group flag is false (not inconclusive) locally.
                #expect(
                    await client.getFeatureFlag(
                        "billing-group-57", distinctId: subjectId, personProperties: s.personProperties, onlyEvaluateLocally: true,
                        sendFeatureFlagEvents: false) == false)
                #expect(proxy.remoteFlagRequests.isEmpty)
            }
        }
    }

    @Test("onlyEvaluateLocally: an inconclusive flag gives nil without any /flags request")
    func inconclusiveOnlyLocal() async throws {
        let s = try FlagVectors.cases(forDistinctId: subjectId)[0]
        try await withFlagSink(definitions: try FlagVectors.definitionsBytes()) { sink in
            try await withFlagClient(sink) { client, proxy in
                for key in ["pricing-page-mv-12", "export-eaf-14", "checkout-bool-10", "sso-dep-22", "no-such-flag"] {
                    #expect(
                        await client.getFeatureFlag(
                            key, distinctId: subjectId, groups: s.groups, personProperties: s.personProperties, groupProperties: s.groupProperties,
                            onlyEvaluateLocally: true) == nil, "\(key)")
                    #expect(
                        await client.isFeatureEnabled(
                            key, distinctId: subjectId, groups: s.groups, personProperties: s.personProperties, groupProperties: s.groupProperties,
                            onlyEvaluateLocally: true) == nil, "\(key)")
                    #expect(
                        await client.getFeatureFlagPayload(
                            key, distinctId: subjectId, groups: s.groups, personProperties: s.personProperties, groupProperties: s.groupProperties,
                            onlyEvaluateLocally: true) == nil, "\(key)")
                }
                let all = await client.getAllFlags(
                    distinctId: subjectId, groups: s.groups, personProperties: s.personProperties, groupProperties: s.groupProperties,
                    onlyEvaluateLocally: true)
                #expect(all["pricing-page-mv-12"] == nil)
                #expect(!all.isEmpty)
                #expect(proxy.remoteFlagRequests.isEmpty)
            }
        }
    }

    @Test("Without onlyEvaluateLocally an inconclusive flag makes exactly one POST /flags for that key")
    func inconclusiveSingleFallsBackOnce() async throws {
        let s = try FlagVectors.cases(forDistinctId: subjectId)[0]
        try await withFlagSink(definitions: try FlagVectors.definitionsBytes()) { sink in
            try await withFlagClient(sink) { client, proxy in
                // Experience continuity: never local; the sink has no person store either and reports it failed.
                let value = await client.getFeatureFlag(
                    "pricing-page-mv-12", distinctId: subjectId, groups: s.groups, personProperties: s.personProperties,
                    groupProperties: s.groupProperties, sendFeatureFlagEvents: false)
                #expect(value == nil)
                let remote = proxy.remoteFlagRequests
                #expect(remote.count == 1)
                let body = try #require(remote.first?.json)
                #expect(body["flag_keys_to_evaluate"] == ["pricing-page-mv-12"])
                #expect(body["distinct_id"] == .string(subjectId))
                #expect(proxy.statuses[try #require(remote.first).index] == 200)
            }
        }
    }

    @Test("getAllFlags with inconclusive flags makes one POST /flags for the whole set; the merged answer keeps the decided values")
    func allFlagsFallBackOnce() async throws {
        let cases = try FlagVectors.cases(forDistinctId: subjectId)
        let s = cases[0]
        try await withFlagSink(definitions: try FlagVectors.definitionsBytes()) { sink in
            try await withFlagClient(sink) { client, proxy in
                let (flags, payloads) = await client.getAllFlagsAndPayloads(
                    distinctId: subjectId, groups: s.groups, personProperties: s.personProperties, groupProperties: s.groupProperties)
                let remote = proxy.remoteFlagRequests
                #expect(remote.count == 1)
                #expect(remote.first?.json?["flag_keys_to_evaluate"] == nil, "an all-flags read asks for every flag")
                #expect(flags == expectedValues(cases))
                for (key, payload) in expectedPayloads(cases) {
                    #expect(payloads[key] == payload, "\(key)")
                }
                _ = await client.getAllFlags(
                    distinctId: subjectId, groups: s.groups, personProperties: s.personProperties, groupProperties: s.groupProperties)
                #expect(proxy.remoteFlagRequests.count == 2, "one request per all-flags read")
            }
        }
    }

    @Test("Payloads from the /flags fallback decode like local ones: JSON 'null' and invalid JSON give no payload")
    func remotePayloadsMatchLocal() async throws {
        let cases = try FlagVectors.cases(forDistinctId: subjectId)
        let s = cases[0]
        try await withFlagSink(definitions: try FlagVectors.definitionsBytes()) { sink in
            try await withFlagClient(sink, personalKey: nil) { client, _ in
                let remote = await client.getAllFlagsAndPayloads(
                    distinctId: subjectId, groups: s.groups, personProperties: s.personProperties, groupProperties: s.groupProperties)
                // Everything but the two flags whose payload text is "null" already agrees.
                let nullText: Set<String> = ["insights-op-semver-tilde-49", "mobile-nav-op-semver-wildcard-51"]
                #expect(remote.payloads.filter { !nullText.contains($0.key) } == expectedPayloads(cases))
                do {
                    #expect(remote.payloads == expectedPayloads(cases))
                    // insights-op-semver-tilde-49 is true with the payload string "null".
                    #expect(
                        await client.getFeatureFlagPayload(
                            "insights-op-semver-tilde-49", distinctId: subjectId, groups: s.groups, personProperties: s.personProperties,
                            groupProperties: s.groupProperties) == nil)
                }
            }
        }
    }

    @Test("A flag missing from the loaded definitions asks the server; after a reload it is local")
    func unknownFlagAsksServer() async throws {
        let initial = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")])
        try await withFlagSink(definitions: FlagJSON.bytes(initial)) { sink in
            try await withFlagClient(sink) { client, proxy in
                #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == true)
                let edited = FlagJSON.definitions([
                    FlagJSON.flag(id: 1, key: "a"), FlagJSON.flag(id: 2, key: "late", variants: [("only", 100)], payloads: ["only": "{\"n\":2}"]),
                ])
                try sink.writeDefinitions(FlagJSON.bytes(edited))
                #expect(await client.getFeatureFlag("late", distinctId: "u1", onlyEvaluateLocally: true) == nil)
                #expect(proxy.remoteFlagRequests.isEmpty)
                #expect(await client.getFeatureFlag("late", distinctId: "u1") == "only")
                #expect(await client.getFeatureFlagPayload("late", distinctId: "u1") == ["n": 2])
                #expect(proxy.remoteFlagRequests.count == 2)
                await client.reloadFeatureFlags()
                #expect(await client.getFeatureFlag("late", distinctId: "u1", onlyEvaluateLocally: true) == "only")
                #expect(await client.getFeatureFlagPayload("late", distinctId: "u1", onlyEvaluateLocally: true) == ["n": 2])
                #expect(proxy.remoteFlagRequests.count == 2)
            }
        }
    }

    @Test("Without a personal key nothing is fetched and every read (even onlyEvaluateLocally: false by default) goes to /flags")
    func noPersonalKey() async throws {
        let cases = try FlagVectors.cases(forDistinctId: subjectId)
        let s = cases[0]
        try await withFlagSink(definitions: try FlagVectors.definitionsBytes()) { sink in
            try await withFlagClient(sink, personalKey: nil) { client, proxy in
                #expect(
                    await client.getFeatureFlag(
                        "sso-mv-5", distinctId: subjectId, groups: s.groups, personProperties: s.personProperties, groupProperties: s.groupProperties,
                        sendFeatureFlagEvents: false) == "blue")
                #expect(
                    await client.isFeatureEnabled(
                        "mobile-nav-rollout-1", distinctId: subjectId, groups: s.groups, personProperties: s.personProperties,
                        groupProperties: s.groupProperties, sendFeatureFlagEvents: false) == true)
                #expect(
                    await client.getFeatureFlagPayload(
                        "mobile-nav-rollout-1", distinctId: subjectId, groups: s.groups, personProperties: s.personProperties,
                        groupProperties: s.groupProperties) == [1, 2, 3])
                let all = await client.getAllFlags(
                    distinctId: subjectId, groups: s.groups, personProperties: s.personProperties, groupProperties: s.groupProperties)
                #expect(all == expectedValues(cases))
                #expect(proxy.remoteFlagRequests.count == 4)
                #expect(proxy.definitionsFetches.isEmpty)
                // Local-only with nothing loaded: nil and no request.
                #expect(await client.getFeatureFlag("sso-mv-5", distinctId: subjectId, onlyEvaluateLocally: true) == nil)
                #expect(await client.getAllFlags(distinctId: subjectId, onlyEvaluateLocally: true).isEmpty)
                #expect(proxy.remoteFlagRequests.count == 4)
            }
        }
    }

    @Test("reloadFeatureFlags picks up an edited file; an unchanged file costs a 304 with the ETag sent back, and keeps the definitions")
    func reloadAndETag() async throws {
        let v1 = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")])
        let v2 = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a", version: 2, active: false)])
        try await withFlagSink(definitions: FlagJSON.bytes(v1)) { sink in
            try await withFlagClient(sink) { client, proxy in
                #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == true)
                await client.reloadFeatureFlags()
                #expect(proxy.definitionsStatuses == [200, 304])
                let fetches = proxy.definitionsFetches
                try #require(fetches.count == 2)
                #expect(fetches[0].header("If-None-Match") == nil)
                let tag = try #require(fetches[1].header("If-None-Match"))
                #expect(tag.wholeMatch(of: /W\/"[0-9a-f]+"/) != nil, "the stored weak ETag is sent back verbatim: \(tag)")
                #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == true, "a 304 keeps the definitions")

                try sink.writeDefinitions(FlagJSON.bytes(v2))
                await client.reloadFeatureFlags()
                #expect(proxy.definitionsStatuses == [200, 304, 200])
                try #require(proxy.definitionsFetches.count == 3)
                #expect(proxy.definitionsFetches[2].header("If-None-Match") == tag)
                #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == false)

                await client.reloadFeatureFlags()
                #expect(proxy.definitionsStatuses == [200, 304, 200, 304])
                try #require(proxy.definitionsFetches.count == 4)
                let newTag = try #require(proxy.definitionsFetches[3].header("If-None-Match"))
                #expect(newTag != tag)
                #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == false)
                #expect(proxy.remoteFlagRequests.isEmpty)
            }
        }
    }

    @Test("A wrong personal key: 401, nothing loaded; local-only reads give nil, other reads ask /flags")
    func wrongPersonalKey() async throws {
        let definitions = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")])
        try await withFlagSink(definitions: FlagJSON.bytes(definitions)) { sink in
            try await withFlagClient(sink, personalKey: "phx_wrong") { client, proxy in
                #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == nil)
                #expect(proxy.definitionsStatuses == [401])
                #expect(proxy.definitionsFetches.first?.header("Authorization") == "Bearer phx_wrong")
                #expect(await client.getFeatureFlag("a", distinctId: "u1") == true)
                #expect(proxy.remoteFlagRequests.count == 1)
            }
        }
    }

    @Test("401 and 402 on a reload clear loaded definitions: local-only reads give nil, others fall back to /flags", arguments: [401, 402])
    func unauthorizedOrQuotaClears(status: Int) async throws {
        let definitions = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")])
        let transport = flagScriptedTransport(
            definitions: [flagJSONReply(200, definitions, headers: [("ETag", #"W/"one""#)]), .status(status)],
            remote: [flagJSONReply(200, flagsResponse([flagRecord("a", enabled: false)]))])
        try await PostHogClient.withClient(flagClientConfiguration(host: "http://flags.test", transport: transport)) { client in
            #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == true)
            await client.reloadFeatureFlags()
            try #require(transport.definitionsFetches.count == 2)
            #expect(transport.definitionsFetches[1].header("If-None-Match") == #"W/"one""#)
            #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == nil)
            #expect(await client.getAllFlags(distinctId: "u1", onlyEvaluateLocally: true).isEmpty)
            #expect(transport.remoteFlagRequests.isEmpty)
            // The remote answer (false) is distinguishable from the cleared local one (true).
            #expect(await client.getFeatureFlag("a", distinctId: "u1", sendFeatureFlagEvents: false) == false)
            #expect(transport.remoteFlagRequests.count == 1)
        }
        #expect(transport.definitionsFetches.count == 2)
    }

    @Test("After a clear, the next reload sends no If-None-Match and loads again")
    func reloadAfterClear() async throws {
        let definitions = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")])
        let transport = flagScriptedTransport(definitions: [
            flagJSONReply(200, definitions, headers: [("ETag", #"W/"one""#)]), .status(401), flagJSONReply(200, definitions),
        ])
        try await PostHogClient.withClient(flagClientConfiguration(host: "http://flags.test", transport: transport)) { client in
            #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == true)
            await client.reloadFeatureFlags()
            #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == nil)
            await client.reloadFeatureFlags()
            let fetches = transport.definitionsFetches
            try #require(fetches.count == 3)
            #expect(fetches[1].header("If-None-Match") == #"W/"one""#)
            #expect(fetches[2].header("If-None-Match") == nil)
            #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == true)
        }
    }

    @Test("403, 429, 5xx, a network error and a 200 without flags keep the loaded definitions")
    func failuresKeepDefinitions() async throws {
        let definitions = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")])
        let failures: [ScriptedReply] = [
            .status(403), .status(429), .status(500), .status(503), .fail("connection reset"), flagJSONReply(200, ["cohorts": [:]]),
        ]
        let transport = flagScriptedTransport(definitions: [flagJSONReply(200, definitions, headers: [("ETag", #"W/"one""#)])] + failures)
        await PostHogClient.withClient(flagClientConfiguration(host: "http://flags.test", transport: transport)) { client in
            #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == true)
            for _ in failures {
                await client.reloadFeatureFlags()
                #expect(await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == true)
            }
            // The ETag survives failures too.
            #expect(transport.definitionsFetches.last?.header("If-None-Match") == #"W/"one""#)
            #expect(transport.remoteFlagRequests.isEmpty)
        }
    }

    @Test("Reads wait for the first definitions load instead of falling back to /flags")
    func readsWaitForFirstLoad() async throws {
        let gate = AsyncGate()
        let definitions = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")])
        let transport = ScriptedTransport { request in
            if request.isDefinitionsFetch {
                await gate.wait()
                return flagJSONReply(200, definitions)
            }
            return request.isRemoteFlags ? .status(500) : .ok
        }
        await PostHogClient.withClient(flagClientConfiguration(host: "http://flags.test", transport: transport)) { client in
            async let value = client.getFeatureFlag("a", distinctId: "u1", sendFeatureFlagEvents: false)
            #expect(await eventually { gate.waiting == 1 })
            gate.open()
            #expect(await value == true)
            #expect(transport.remoteFlagRequests.isEmpty)
        }
    }

    @Test("A reload racing the first load: the newer definitions win (a slow first response must not overwrite them)")
    func reloadRacingFirstLoad() async throws {
        let gate = AsyncGate()
        let v1 = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a", version: 1)])
        let v2 = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a", version: 2, active: false)])
        let transport = ScriptedTransport { request in
            guard request.isDefinitionsFetch else { return .ok }
            if request.index == 0 {
                // The first load (started by the first flag read) is slow and answers with the older definitions.
                await gate.wait()
                return flagJSONReply(200, v1)
            }
            return flagJSONReply(200, v2)
        }
        await PostHogClient.withClient(flagClientConfiguration(host: "http://flags.test", transport: transport)) { client in
            let firstRead = Task { await client.getFeatureFlag("a", distinctId: "u0", onlyEvaluateLocally: true, sendFeatureFlagEvents: false) }
            #expect(await eventually { gate.waiting == 1 })
            let reload = Task { await client.reloadFeatureFlags() }
            // Without serialisation the reload's fetch goes out (and is answered) at once; with it, it waits.
            await eventually(timeout: .milliseconds(500)) { transport.statuses.count == 2 && transport.statuses[1] != nil }
            gate.open()
            await reload.value
            _ = await firstRead.value
            do {
                #expect(
                    await client.getFeatureFlag("a", distinctId: "u1", onlyEvaluateLocally: true) == false, "stale first response installed over the reload's")
            }
        }
    }
}
