import Foundation
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// A fetcher over a scripted transport.
private func fetcher(
    _ transport: ScriptedTransport, host: String = "http://flags.test", key: String = TestKeys.project, legacy: Bool = false
) -> FlagDefinitionsFetcher {
    FlagDefinitionsFetcher(host: host, projectAPIKey: key, secretKey: FlagTestKeys.personal, transport: transport, legacyEndpoint: legacy)
}

private let smallDefinitions = FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")])

/// A short name for a result, for assertions that print well.
private func describe(_ result: FlagDefinitionsFetcher.Result) -> String {
    switch result {
    case .modified(_, _, let etag): return "modified(etag: \(etag ?? "nil"))"
    case .notModified(let etag): return "notModified(etag: \(etag ?? "nil"))"
    case .quotaLimited: return "quotaLimited"
    case .unauthorized: return "unauthorized"
    case .failed(let status, _): return "failed(\(status.map(String.init) ?? "nil"))"
    }
}

@Suite("FeatureFlag definitions fetcher (scripted transport)")
struct FeatureFlagFetcherTests {
    @Test("GET {host}/flags/definitions?token=<key>&send_cohorts with Bearer secret, User-Agent, and no If-None-Match on the first fetch")
    func requestShape() async throws {
        let transport = ScriptedTransport([flagJSONReply(200, smallDefinitions)])
        _ = await fetcher(transport, host: "http://flags.test//").fetch(etag: nil)
        let request = try #require(transport.requests.first)
        #expect(transport.requestCount == 1)
        #expect(request.method == "GET")
        #expect(request.url == "http://flags.test/flags/definitions?token=\(TestKeys.project)&send_cohorts")
        #expect(request.header("Authorization") == "Bearer \(FlagTestKeys.personal)")
        #expect(request.header("User-Agent")?.isEmpty == false)
        #expect(request.header("If-None-Match") == nil)
        #expect(request.body.isEmpty)
    }

    @Test("The project key is percent-encoded in the query")
    func tokenEncoded() async throws {
        let transport = ScriptedTransport([flagJSONReply(200, smallDefinitions)])
        _ = await fetcher(transport, key: "phc a+b/c&d").fetch(etag: nil)
        #expect(transport.requests.first?.url == "http://flags.test/flags/definitions?token=phc%20a%2Bb%2Fc%26d&send_cohorts")
    }

    @Test("The legacy endpoint path is /api/feature_flag/local_evaluation/ with the same query")
    func legacyPath() async throws {
        let transport = ScriptedTransport([flagJSONReply(200, smallDefinitions)])
        let result = await fetcher(transport, legacy: true).fetch(etag: nil)
        #expect(transport.requests.first?.url == "http://flags.test/api/feature_flag/local_evaluation/?token=\(TestKeys.project)&send_cohorts")
        #expect(describe(result) == "modified(etag: nil)")
    }

    @Test("The ETag held is sent back verbatim as If-None-Match", arguments: [#"W/"abc123""#, #""abc123""#, "abc123"])
    func ifNoneMatchVerbatim(tag: String) async throws {
        let transport = ScriptedTransport([.status(304)])
        let result = await fetcher(transport).fetch(etag: tag)
        #expect(transport.requests.first?.header("If-None-Match") == tag)
        // A 304 without an ETag keeps the one held.
        #expect(describe(result) == "notModified(etag: \(tag))")
    }

    @Test("200: modified, with the parsed body, the raw bytes as received and the ETag")
    func modified() async throws {
        let raw = Array("{ \"flags\": [ {\"key\": \"a\", \"active\": true, \"filters\": {\"groups\": []}} ],\n \"cohorts\": {} }".utf8)
        let transport = ScriptedTransport([.respond(status: 200, headers: [("ETag", #"W/"v1""#)], body: raw)])
        let result = await fetcher(transport).fetch(etag: nil)
        guard case .modified(let json, let bytes, let etag) = result else {
            Issue.record("expected modified, got \(describe(result))")
            return
        }
        #expect(bytes == raw)
        #expect(etag == #"W/"v1""#)
        #expect(json["flags"]?.arrayValue?.first?["key"] == "a")
    }

    @Test("200 without an ETag header: modified with no ETag")
    func modifiedWithoutTag() async throws {
        let transport = ScriptedTransport([flagJSONReply(200, smallDefinitions)])
        #expect(describe(await fetcher(transport).fetch(etag: #"W/"old""#)) == "modified(etag: nil)")
    }

    @Test("304: notModified, with the new ETag when the response carries one")
    func notModifiedNewTag() async throws {
        let transport = ScriptedTransport([.respond(status: 304, headers: [("etag", #"W/"new""#)], body: [])])
        #expect(describe(await fetcher(transport).fetch(etag: #"W/"old""#)) == #"notModified(etag: W/"new")"#)
    }

    @Test("401 → unauthorized; 402 → quotaLimited")
    func unauthorizedAndQuota() async throws {
        let transport = ScriptedTransport([
            .status(401, body: #"{"type":"authentication_error"}"#),
            .status(402, body: #"{"type":"quota_limited","detail":"You have exceeded your feature flag request quota","code":"payment_required"}"#),
        ])
        let f = fetcher(transport)
        #expect(describe(await f.fetch(etag: nil)) == "unauthorized")
        #expect(describe(await f.fetch(etag: nil)) == "quotaLimited")
    }

    @Test("Other statuses fail with their status, and are not retried", arguments: [403, 429, 500, 502, 503])
    func otherStatusesFail(status: Int) async throws {
        let transport = ScriptedTransport([.status(status, body: "nope")], then: .status(599))
        let result = await fetcher(transport).fetch(etag: nil)
        #expect(describe(result) == "failed(\(status))")
        #expect(transport.requestCount == 1)
        if case .failed(_, let message) = result { #expect(message.contains("nope")) }
    }

    @Test("A network error fails with no status")
    func networkError() async throws {
        let transport = ScriptedTransport([.fail("connection refused")])
        let result = await fetcher(transport).fetch(etag: nil)
        #expect(describe(result) == "failed(nil)")
        if case .failed(_, let message) = result { #expect(message.contains("connection refused")) }
    }

    @Test("A 200 without a 'flags' list, or with a body that is not JSON, fails (keep what is held)")
    func badBodies() async throws {
        let transport = ScriptedTransport([
            flagJSONReply(200, ["cohorts": [:], "group_type_mapping": [:]]),
            flagJSONReply(200, ["flags": ["not": "a list"]]),
            .status(200, body: "<html>oops</html>"),
        ])
        let f = fetcher(transport)
        #expect(describe(await f.fetch(etag: nil)) == "failed(200)")
        #expect(describe(await f.fetch(etag: nil)) == "failed(200)")
        #expect(describe(await f.fetch(etag: nil)) == "failed(200)")
    }

    @Test("The secret never appears in a failure message")
    func secretNotInMessages() async throws {
        let transport = ScriptedTransport([.status(500), .fail("boom"), .status(403, body: "forbidden")])
        let f = fetcher(transport)
        for _ in 0..<3 {
            if case .failed(_, let message) = await f.fetch(etag: nil) {
                #expect(!message.contains(FlagTestKeys.personal))
            } else {
                Issue.record("expected a failure")
            }
        }
    }
}
