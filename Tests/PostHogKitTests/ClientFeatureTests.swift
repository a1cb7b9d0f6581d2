import Foundation
import MetricsTestKit
import PostHogCore
import PostHogKit
import PostHogKitTesting
import Testing
import TestSupport

/// Configuration and API that PostHog's other server SDKs have, checked on what goes over the wire.
@Suite("Client features: super properties, beforeSend, GeoIP, exceptions, personless, flag results")
struct ClientFeatureTests {
    func recorded(_ configure: (inout PostHogConfiguration) -> Void = { _ in }, _ body: (PostHogClient) async -> Void) async -> RecordingTransport {
        let recorder = RecordingTransport(flags: ["beta": "blue"], payloads: ["beta": ["color": "#00f"]])
        var configuration = PostHogConfiguration.recording(into: recorder)
        configure(&configuration)
        let client = PostHogClient(configuration: configuration)
        await body(client)
        await client.shutdown()
        return recorder
    }

    @Test("Super properties sit under the event's own; $geoip_disable is on by default")
    func superPropertiesAndGeoIP() async {
        let recorder = await recorded({ $0.superProperties = ["service": "api", "region": "eu"] }) { client in
            await client.capture(distinctId: "u", event: "e", properties: ["region": "us"])
        }
        let properties = recorder.events.first?.properties ?? [:]
        #expect(properties["service"] == "api")
        #expect(properties["region"] == "us", "the event's own value wins")
        #expect(properties["$geoip_disable"] == true)
    }

    @Test("disableGeoIP = false leaves events and flag requests to GeoIP")
    func geoIPOff() async throws {
        let transport = ScriptedTransport { request in
            request.isRemoteFlags ? flagJSONReply(200, ["flags": [:]]) : .ok
        }
        var configuration = scriptedConfiguration(transport)
        configuration.disableGeoIP = false
        let client = PostHogClient(configuration: configuration)
        await client.capture(distinctId: "u", event: "e")
        _ = await client.getFeatureFlag("x", distinctId: "u", sendFeatureFlagEvents: false)
        await client.shutdown()
        #expect(transport.deliveredEvents.first?["properties"]?["$geoip_disable"] == nil)
        #expect(transport.remoteFlagRequests.first?.json?["geoip_disable"] == false)
    }

    @Test("beforeSend changes events or drops them; drops are counted in metrics, not reported as errors")
    func beforeSend() async throws {
        let metrics = TestMetrics()
        let errors = ErrorRecorder()
        let recorder = await recorded({
            $0.metricsFactory = metrics
            $0.onError = errors.handler
            $0.beforeSend = { event in
                guard event.event != "health check" else { return nil }
                var event = event
                event.properties["email"] = nil
                return event
            }
        }) { client in
            await client.capture(distinctId: "u", event: "signed up", properties: ["email": "a@b.c", "plan": "pro"])
            #expect(await client.capture(distinctId: "u", event: "health check") == false)
        }
        #expect(recorder.events.map(\.event) == ["signed up"])
        #expect(recorder.events.first?.properties["email"] == nil)
        #expect(recorder.events.first?.properties["plan"] == "pro")
        #expect(errors.errors.isEmpty)
        #expect(try metrics.expectCounter("posthog.events.dropped", [("reason", "before_send")]).totalValue == 1)
        #expect(try metrics.expectCounter("posthog.events.queued").totalValue == 1)
        #expect(try metrics.expectCounter("posthog.events.sent").totalValue == 1)
    }

    @Test("captureException sends PostHog's $exception shape")
    func captureException() async {
        struct PaymentDeclined: Error, CustomStringConvertible {
            var description: String { "card declined" }
        }
        let recorder = await recorded { client in
            await client.captureException(PaymentDeclined(), distinctId: "u", properties: ["order": "o-1"])
        }
        let event = recorder.events.first
        #expect(event?.event == "$exception")
        #expect(event?.distinctId == "u")
        let exception = event?.properties["$exception_list"]?.arrayValue?.first
        #expect(exception?["type"] == "PaymentDeclined")
        #expect(exception?["value"] == "card declined")
        #expect(exception?["mechanism"]?["handled"] == true)
        #expect(event?.properties["$exception_level"] == "error")
        #expect(event?.properties["order"] == "o-1")
    }

    @Test("A capture without distinctId is personless: a fresh id and $process_person_profile false")
    func personless() async {
        let recorder = await recorded { client in
            await client.capture(event: "webhook received")
            await client.capture(event: "webhook received")
        }
        let events = recorder.events
        #expect(events.count == 2)
        #expect(events.allSatisfy { $0.properties["$process_person_profile"] == false })
        #expect(Set(events.map(\.distinctId)).count == 2)
    }

    @Test("getFeatureFlagResult returns value and payload together; deviceId reaches /flags")
    func flagResult() async throws {
        let transport = ScriptedTransport { request in
            guard request.isRemoteFlags else { return .ok }
            return flagJSONReply(
                200, ["flags": ["beta": ["key": "beta", "enabled": true, "variant": "blue", "metadata": ["payload": ##"{"color":"#00f"}"##]]]])
        }
        let client = PostHogClient(configuration: scriptedConfiguration(transport))
        let result = await client.getFeatureFlagResult("beta", distinctId: "u", deviceId: "device-7")
        await client.shutdown()
        #expect(result?.value == "blue")
        #expect(result?.variant == "blue")
        #expect(result?.enabled == true)
        #expect(result?.payload == ["color": "#00f"])
        #expect(transport.remoteFlagRequests.count == 1, "one evaluation for value and payload")
        #expect(transport.remoteFlagRequests.first?.json?["device_id"] == "device-7")
        let called = transport.deliveredEvents.filter { $0["event"]?.stringValue == "$feature_flag_called" }
        #expect(called.count == 1)
    }

    @Test("sendFeatureFlags carries person properties into the flag evaluation")
    func sendFeatureFlagsWithProperties() async throws {
        let transport = ScriptedTransport { request in
            guard request.isRemoteFlags else { return .ok }
            return flagJSONReply(200, ["flags": ["beta": ["key": "beta", "enabled": true]]])
        }
        let client = PostHogClient(configuration: scriptedConfiguration(transport))
        await client.capture(distinctId: "u", event: "checkout", sendFeatureFlags: .evaluate(personProperties: ["plan": "pro"]))
        await client.shutdown()
        #expect(transport.remoteFlagRequests.first?.json?["person_properties"]?["plan"] == "pro")
        let event = transport.deliveredEvents.first { $0["event"]?.stringValue == "checkout" }
        #expect(event?["properties"]?["$feature/beta"] == true)
        #expect(event?["properties"]?["$active_feature_flags"] == ["beta"])
    }

    @Test("PostHogKitTesting's recorder answers flags and records events for assertions")
    func recordingTransport() async {
        let recorder = await recorded { client in
            #expect(await client.getFeatureFlag("beta", distinctId: "u") == "blue")
            #expect(await client.getFeatureFlagPayload("beta", distinctId: "u") == ["color": "#00f"])
            await client.identify(distinctId: "u", properties: ["name": "Ada"])
        }
        #expect(recorder.events(named: "$identify").first?.set?["name"] == "Ada")
        #expect(recorder.events(named: "$feature_flag_called").count == 1)
        #expect(recorder.events(distinctId: "u").count == 2)
    }
}
