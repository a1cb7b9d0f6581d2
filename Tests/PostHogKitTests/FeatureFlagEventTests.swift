import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// beta: on for all (id 7, version 3, payload {"x":1}); plan-gate: plan == pro; off: inactive;
/// mv: 100% "test"; cont: experience continuity (never local).
private let eventDefinitions = FlagJSON.definitions([
    FlagJSON.flag(id: 7, key: "beta", version: 3, payloads: ["true": "{\"x\":1}"]),
    FlagJSON.flag(id: 8, key: "plan-gate", conditions: [FlagJSON.condition([FlagJSON.property("plan", ["pro"])])]),
    FlagJSON.flag(id: 9, key: "off", active: false),
    FlagJSON.flag(id: 10, key: "mv", version: 4, variants: [("test", 100)]),
    FlagJSON.flag(id: 11, key: "cont", ensureExperienceContinuity: true),
])

/// A sink serving `eventDefinitions`, a client pointed at it through a recording proxy; after
/// `body`, the client is flushed and the sink's events are handed to `check`.
private func withEventClient(
    personalKey: String? = FlagTestKeys.personal, _ body: (PostHogClient, ScriptedTransport) async throws -> Void,
    check: ([SinkStore.StoredEvent], ScriptedTransport) throws -> Void
) async throws {
    try await withFlagSink(definitions: FlagJSON.bytes(eventDefinitions)) { sink in
        try await withRecordingProxy { proxy in
            let errors = ErrorRecorder()
            let configuration = flagClientConfiguration(host: sink.url, transport: proxy, personalKey: personalKey, errors: errors)
            try await PostHogClient.withClient(configuration) { client in
                try await body(client, proxy)
                await client.flush()
            }
            #expect(errors.errors.isEmpty, "\(errors.errors)")
            try check(try sink.storedEvents(), proxy)
        }
    }
}

@Suite("FeatureFlag events: $feature_flag_called and capture(sendFeatureFlags:)")
struct FeatureFlagEventTests {
    @Test("$feature_flag_called is captured once per (distinct_id, flag, value, groups)")
    func deduplicated() async throws {
        try await withEventClient { client, _ in
            #expect(await client.getFeatureFlag("beta", distinctId: "u1") == true)
            #expect(await client.getFeatureFlag("beta", distinctId: "u1") == true)
            #expect(await client.isFeatureEnabled("beta", distinctId: "u1") == true)
            #expect(await client.getFeatureFlag("beta", distinctId: "u2") == true)
            #expect(await client.getFeatureFlag("plan-gate", distinctId: "u1", personProperties: ["plan": "pro"]) == true)
            #expect(await client.getFeatureFlag("plan-gate", distinctId: "u1", personProperties: ["plan": "pro"]) == true)
            #expect(await client.getFeatureFlag("plan-gate", distinctId: "u1", personProperties: ["plan": "free"]) == false)
            #expect(await client.getFeatureFlag("beta", distinctId: "u1", groups: ["company": "acme"]) == true)
            await client.capture(distinctId: "u1", event: "marker")
        } check: { events, _ in
            let called = flagCalledEvents(events)
            let seen = called.map {
                "\($0.distinctId) \($0.properties["$feature_flag"]?.stringValue ?? "?") \($0.properties["$feature_flag_response"].map { JSONWriter.string($0) } ?? "?")"
            }
            #expect(
                seen.sorted() == ["u1 beta true", "u1 beta true", "u1 plan-gate false", "u1 plan-gate true", "u2 beta true"],
                "one per user, flag, value and groups")
            let withGroups = called.filter { $0.properties["$groups"] != nil }
            #expect(withGroups.count == 1)
            #expect(withGroups.first?.properties["$groups"] == ["company": "acme"])
            #expect(events.filter { $0.event == "marker" }.count == 1)
        }
    }

    @Test("A locally evaluated read's event: $feature_flag, $feature_flag_response, $feature/<key>, locally_evaluated, id, version, payload")
    func localProperties() async throws {
        try await withEventClient { client, _ in
            _ = await client.getFeatureFlag("beta", distinctId: "u1")
            _ = await client.getFeatureFlag("mv", distinctId: "u1")
            _ = await client.getFeatureFlag("off", distinctId: "u1")
        } check: { events, proxy in
            let called = flagCalledEvents(events)
            #expect(called.count == 3)
            let beta = try #require(called.first { $0.properties["$feature_flag"] == "beta" })
            #expect(beta.distinctId == "u1")
            #expect(beta.properties["$feature_flag_response"] == true)
            #expect(beta.properties["$feature/beta"] == true)
            #expect(beta.properties["locally_evaluated"] == true)
            #expect(beta.properties["$feature_flag_id"] == 7)
            #expect(beta.properties["$feature_flag_version"] == 3)
            #expect(beta.properties["$feature_flag_payload"] == ["x": 1])
            #expect(beta.properties["$feature_flag_error"] == nil)
            #expect(beta.properties["$lib"] != nil)
            let mv = try #require(called.first { $0.properties["$feature_flag"] == "mv" })
            #expect(mv.properties["$feature_flag_response"] == "test")
            #expect(mv.properties["$feature/mv"] == "test")
            #expect(mv.properties["$feature_flag_id"] == 10)
            #expect(mv.properties["$feature_flag_version"] == 4)
            #expect(mv.properties["$feature_flag_payload"] == nil, "no payload configured: no property")
            let off = try #require(called.first { $0.properties["$feature_flag"] == "off" })
            #expect(off.properties["$feature_flag_response"] == false)
            #expect(off.properties["$feature/off"] == false)
            #expect(proxy.remoteFlagRequests.isEmpty)
        }
    }

    @Test("A remotely evaluated read's event: locally_evaluated false and the request id, no definition id")
    func remoteProperties() async throws {
        try await withEventClient(personalKey: nil) { client, _ in
            #expect(await client.getFeatureFlag("mv", distinctId: "u1") == "test")
        } check: { events, proxy in
            #expect(proxy.remoteFlagRequests.count == 1)
            let called = flagCalledEvents(events)
            #expect(called.count == 1)
            let event = try #require(called.first)
            #expect(event.properties["$feature_flag"] == "mv")
            #expect(event.properties["$feature_flag_response"] == "test")
            #expect(event.properties["$feature/mv"] == "test")
            #expect(event.properties["locally_evaluated"] == false)
            #expect(event.properties["$feature_flag_request_id"]?.stringValue?.isEmpty == false)
            #expect(event.properties["$feature_flag_id"] == nil)
        }
    }

    @Test("A read the server cannot answer either still records the exposure, with a null response and an error")
    func failedRead() async throws {
        try await withEventClient { client, _ in
            #expect(await client.getFeatureFlag("cont", distinctId: "u1") == nil)
        } check: { events, proxy in
            #expect(proxy.remoteFlagRequests.count == 1)
            let event = try #require(flagCalledEvents(events).first)
            #expect(event.properties["$feature_flag_response"] == .null)
            #expect(event.properties["$feature/cont"] == .null)
            #expect(event.properties["locally_evaluated"] == false)
            #expect(event.properties["$feature_flag_error"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("sendFeatureFlagEvents: false, payload reads and all-flags reads send no $feature_flag_called")
    func nothingSent() async throws {
        try await withEventClient { client, _ in
            #expect(await client.getFeatureFlag("beta", distinctId: "u1", sendFeatureFlagEvents: false) == true)
            #expect(await client.isFeatureEnabled("mv", distinctId: "u1", sendFeatureFlagEvents: false) == true)
            #expect(await client.getFeatureFlagPayload("beta", distinctId: "u1") == ["x": 1])
            #expect(await client.getAllFlags(distinctId: "u1", onlyEvaluateLocally: true)["beta"] == true)
            #expect(await client.getAllFlagsAndPayloads(distinctId: "u1", onlyEvaluateLocally: true).payloads["beta"] == ["x": 1])
            await client.capture(distinctId: "u1", event: "marker")
        } check: { events, _ in
            #expect(events.map(\.event) == ["marker"])
        }
    }

    @Test("capture(sendFeatureFlags: true) attaches $feature/<key> and $active_feature_flags, evaluated locally")
    func captureWithFlags() async throws {
        try await withEventClient { client, _ in
            // Make sure the first load is done (see captureBeforeFirstLoad for the other case).
            _ = await client.getAllFlags(distinctId: "warm-up", onlyEvaluateLocally: true)
            await client.capture(distinctId: "u1", event: "with flags", properties: ["k": "v"], sendFeatureFlags: true)
            await client.capture(distinctId: "u1", event: "without flags")
        } check: { events, proxy in
            #expect(proxy.remoteFlagRequests.isEmpty, "definitions are loaded: no /flags request")
            let with = try #require(events.first { $0.event == "with flags" })
            #expect(with.properties["k"] == "v")
            #expect(with.properties["$feature/beta"] == true)
            #expect(with.properties["$feature/mv"] == "test")
            #expect(with.properties["$feature/off"] == false)
            #expect(with.properties["$feature/plan-gate"] == nil, "inconclusive without 'plan': left out")
            #expect(with.properties["$feature/cont"] == nil)
            #expect(with.properties["$active_feature_flags"] == ["beta", "mv"])
            let without = try #require(events.first { $0.event == "without flags" })
            #expect(without.properties.keys.filter { $0.hasPrefix("$feature/") || $0 == "$active_feature_flags" }.isEmpty)
            #expect(flagCalledEvents(events).isEmpty, "attaching flags is not an exposure")
        }
    }

    @Test("capture(sendFeatureFlags: true) without a personal key asks /flags once")
    func captureWithFlagsRemote() async throws {
        try await withEventClient(personalKey: nil) { client, _ in
            await client.capture(distinctId: "u1", event: "with flags", groups: ["company": "acme"], sendFeatureFlags: true)
        } check: { events, proxy in
            #expect(proxy.remoteFlagRequests.count == 1)
            #expect(proxy.remoteFlagRequests.first?.json?["groups"] == ["company": "acme"])
            let with = try #require(events.first { $0.event == "with flags" })
            #expect(with.properties["$feature/beta"] == true)
            #expect(with.properties["$feature/mv"] == "test")
            #expect(with.properties["$feature/off"] == false)
            #expect(with.properties["$active_feature_flags"] == ["beta", "mv"])
            #expect(with.properties["$groups"] == ["company": "acme"])
        }
    }

    @Test("capture(sendFeatureFlags: true) right after start waits for the definitions and stays local")
    func captureBeforeFirstLoad() async throws {
        let gate = AsyncGate()
        let transport = ScriptedTransport { request in
            if request.isDefinitionsFetch {
                await gate.wait()
                return flagJSONReply(200, eventDefinitions)
            }
            if request.isRemoteFlags { return flagJSONReply(200, flagsResponse([flagRecord("beta"), flagRecord("plan-gate", enabled: false)])) }
            return .ok
        }
        await PostHogClient.withClient(flagClientConfiguration(host: "http://flags.test", transport: transport)) { client in
            async let queued = client.capture(distinctId: "u1", event: "early", sendFeatureFlags: true)
            #expect(await eventually { gate.waiting == 1 })
            // Give capture time to reach its flag read while the load is pending.
            try? await Task.sleep(for: .milliseconds(50))
            gate.open()
            #expect(await queued)
            await client.flush()
        }
        let event = try #require(transport.deliveredEvents.first { $0["event"] == "early" })
        do {
            #expect(transport.remoteFlagRequests.isEmpty, "definitions were loading: the answer must be local, as it is once they are loaded")
            #expect(event["properties"]?["$feature/plan-gate"] == nil)
            #expect(event["properties"]?["$active_feature_flags"] == ["beta", "mv"])
        }
    }
}
