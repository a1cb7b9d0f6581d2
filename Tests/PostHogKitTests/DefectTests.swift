import Foundation
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// One test per defect of issue 14; each fails on the code before its fix.
@Suite("Defects fixed for production use")
struct DefectTests {
    @Test("After a 413 split, a half that fails for good does not stop the other half, and the error counts every undelivered event")
    func splitHalfFailure() async throws {
        let events = try (0..<6).map { i in try EncodedEvent(PostHogEvent.capture("e\(i)", distinctId: "u")) }
        let firstHalf = Set(events[..<3].map(\.uuid))
        // The whole batch is too large; its first half meets a server that keeps failing.
        let transport = ScriptedTransport { request in
            if request.batch.count == 6 { return .status(413) }
            return Set(request.uuids) == firstHalf ? .status(503) : .ok
        }
        var sender = BatchSender(apiKey: TestKeys.project, host: "http://127.0.0.1:9", transport: transport, sleep: SleepRecorder().sleep)
        sender.retryPolicy.maxRetries = 1
        let error = await #expect(throws: PostHogError.self) { try await sender.deliver(events) }
        #expect(Set(transport.deliveredUUIDs) == Set(events[3...].map(\.uuid)), "the second half was never sent")
        #expect(error?.kind == .deliveryFailed)
        #expect(error?.eventCount == 3)
    }

    @Test("A client never loses an event without counting it: delivered plus reported equals captured")
    func clientCountsEveryEvent() async throws {
        let transport = ScriptedTransport { request in
            if request.batch.count > 2 { return .status(413) }
            // Batches holding event "bad" keep failing; every other one is accepted.
            return request.batch.contains { $0["event"]?.stringValue == "bad" } ? .status(500) : .ok
        }
        let errors = ErrorRecorder()
        var configuration = scriptedConfiguration(transport, errors: errors)
        configuration.maxRetries = 1
        let client = PostHogClient(configuration: configuration)
        for name in ["a", "bad", "c", "d", "e", "f", "g", "h"] { await client.capture(distinctId: "u", event: name) }
        await client.flush()
        let delivered = Set(transport.deliveredUUIDs).count
        let reported = errors.errors.reduce(0) { $0 + $1.eventCount }
        #expect(delivered == 6, "only the pair holding 'bad' fails")
        #expect(delivered + reported == 8, "delivered \(delivered), reported \(errors.errors)")
        await client.shutdown()
    }

    @Test("Error descriptions carry no command-line hints")
    func noCommandLineHints() {
        let kinds: [PostHogError.Kind] = [
            .authentication, .deliveryFailed, .eventsRejected, .eventTooLarge, .queueFull, .hostUnavailable, .shutDown, .shutdownTimedOut,
            .unexpectedStatus, .invalidConfiguration, .invalidResponse, .cancelled, .flagDefinitionsFailed, .personalApiKeyRefused,
            .remoteFlagsFailed,
        ]
        for kind in kinds {
            let text = PostHogError(kind, "x", status: 500).description
            #expect(!text.contains("POSTHOG_"), "\(kind): \(text)")
            #expect(!text.contains("checkpoint"), "\(kind): \(text)")
            #expect(!text.contains("hogport"), "\(kind): \(text)")
        }
    }

    @Test("$lib names the library, with its version, and the User-Agent matches")
    func libraryName() async throws {
        let transport = ScriptedTransport()
        let client = PostHogClient(configuration: scriptedConfiguration(transport))
        await client.capture(distinctId: "u", event: "e")
        await client.shutdown()
        let properties = transport.deliveredEvents.first?["properties"]
        #expect(properties?["$lib"] == "posthog-swift-server")
        #expect(properties?["$lib_version"] == .string(PostHogKitInfo.version))
        #expect(transport.requests.first?.header("User-Agent") == "posthog-swift-server/\(PostHogKitInfo.version)")
    }

    @Test("PostHogKit re-exports nothing: no @_exported import in its sources")
    func noReexports() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sources = root.appendingPathComponent("Sources/PostHogKit").path
        let files = try #require(FileManager.default.enumerator(atPath: sources)?.allObjects as? [String]).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 10)
        for file in files {
            let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
            #expect(!text.contains("@_exported"), "\(file) re-exports a module into every app")
        }
    }

    @Test("Flag failures reach onError with their own kinds, not as event-delivery errors")
    func flagFailureKinds() async throws {
        let transport = ScriptedTransport { request in
            if request.isDefinitionsFetch { return .status(401) }
            if request.isRemoteFlags { return .status(500) }
            return .ok
        }
        let errors = ErrorRecorder()
        let client = PostHogClient(configuration: flagClientConfiguration(host: "http://flags.test", transport: transport, errors: errors))
        #expect(await client.getFeatureFlag("beta", distinctId: "u", sendFeatureFlagEvents: false) == nil)
        #expect(errors.errors(.personalApiKeyRefused).count == 1)
        #expect(errors.errors(.remoteFlagsFailed).count == 1)
        #expect(errors.errors.allSatisfy { $0.kind != .deliveryFailed && $0.kind != .unexpectedStatus })
        await client.shutdown()
    }
}
