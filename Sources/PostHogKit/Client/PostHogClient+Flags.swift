import Foundation
import Logging
public import PostHogCore

extension PostHogClient {
    /// Evaluates one flag: locally when the definitions decide it, else (unless
    /// `onlyEvaluateLocally`) by asking PostHog.
    ///
    /// - Parameters:
    ///   - groups: group memberships, `["company": "acme"]`, for group flags.
    ///   - personProperties: person properties to match on (`distinct_id` is added).
    ///   - groupProperties: per group type, properties to match on (`$group_key` is added).
    ///   - deviceId: the device id, for flags that bucket by device.
    ///   - sendFeatureFlagEvents: capture `$feature_flag_called` (once per user, flag and value);
    ///     it never waits for room in the event queue.
    /// - Returns: the value, or nil when it cannot be had (unknown flag, unresolved locally with
    ///   `onlyEvaluateLocally`, a disabled client, or an error, which reaches `onError`).
    public func getFeatureFlag(
        _ key: String,
        distinctId: String,
        groups: [String: String] = [:],
        personProperties: [String: JSONValue] = [:],
        groupProperties: [String: [String: JSONValue]] = [:],
        deviceId: String? = nil,
        onlyEvaluateLocally: Bool = false,
        sendFeatureFlagEvents: Bool = true
    ) async -> FeatureFlagValue? {
        await getFeatureFlagResult(
            key, distinctId: distinctId, groups: groups, personProperties: personProperties, groupProperties: groupProperties,
            deviceId: deviceId, onlyEvaluateLocally: onlyEvaluateLocally, sendFeatureFlagEvents: sendFeatureFlagEvents)?.value
    }

    /// Evaluates one flag and returns its value and payload together (one evaluation, one
    /// `$feature_flag_called`); nil when the value cannot be had. Parameters as in
    /// ``getFeatureFlag(_:distinctId:groups:personProperties:groupProperties:deviceId:onlyEvaluateLocally:sendFeatureFlagEvents:)``.
    public func getFeatureFlagResult(
        _ key: String,
        distinctId: String,
        groups: [String: String] = [:],
        personProperties: [String: JSONValue] = [:],
        groupProperties: [String: [String: JSONValue]] = [:],
        deviceId: String? = nil,
        onlyEvaluateLocally: Bool = false,
        sendFeatureFlagEvents: Bool = true
    ) async -> FeatureFlagResult? {
        guard !configuration.disabled else { return nil }
        let subject = FlagSubject(
            distinctId: distinctId, groups: groups, personProperties: personProperties, groupProperties: groupProperties, deviceId: deviceId)
        let result = await flagResult(key, subject: subject, onlyEvaluateLocally: onlyEvaluateLocally)
        if sendFeatureFlagEvents {
            await reportFlagCalled(key, subject: FlagSubject(distinctId: distinctId, groups: groups), result: result)
        }
        return result.value.map { FeatureFlagResult(key: key, value: $0, payload: result.payload, locallyEvaluated: result.locallyEvaluated) }
    }

    /// Whether a flag is on for the user (a variant counts as on); nil when it cannot be evaluated.
    public func isFeatureEnabled(
        _ key: String,
        distinctId: String,
        groups: [String: String] = [:],
        personProperties: [String: JSONValue] = [:],
        groupProperties: [String: [String: JSONValue]] = [:],
        deviceId: String? = nil,
        onlyEvaluateLocally: Bool = false,
        sendFeatureFlagEvents: Bool = true
    ) async -> Bool? {
        await getFeatureFlag(
            key, distinctId: distinctId, groups: groups, personProperties: personProperties, groupProperties: groupProperties,
            deviceId: deviceId, onlyEvaluateLocally: onlyEvaluateLocally, sendFeatureFlagEvents: sendFeatureFlagEvents)?.isEnabled
    }

    /// The decoded JSON payload for the flag's value for this user (sends no event).
    public func getFeatureFlagPayload(
        _ key: String,
        distinctId: String,
        groups: [String: String] = [:],
        personProperties: [String: JSONValue] = [:],
        groupProperties: [String: [String: JSONValue]] = [:],
        deviceId: String? = nil,
        onlyEvaluateLocally: Bool = false
    ) async -> JSONValue? {
        guard !configuration.disabled else { return nil }
        return await flagResult(
            key,
            subject: FlagSubject(
                distinctId: distinctId, groups: groups, personProperties: personProperties, groupProperties: groupProperties, deviceId: deviceId),
            onlyEvaluateLocally: onlyEvaluateLocally
        ).payload
    }

    /// Every flag's value for the user. One flag that needs the server makes one `/flags`
    /// request for all (unless `onlyEvaluateLocally`, which returns only what was decided locally).
    public func getAllFlags(
        distinctId: String,
        groups: [String: String] = [:],
        personProperties: [String: JSONValue] = [:],
        groupProperties: [String: [String: JSONValue]] = [:],
        deviceId: String? = nil,
        onlyEvaluateLocally: Bool = false
    ) async -> [String: FeatureFlagValue] {
        await getAllFlagsAndPayloads(
            distinctId: distinctId, groups: groups, personProperties: personProperties, groupProperties: groupProperties,
            deviceId: deviceId, onlyEvaluateLocally: onlyEvaluateLocally
        ).flags
    }

    /// Every flag's value and decoded payload for the user; see ``getAllFlags(distinctId:groups:personProperties:groupProperties:deviceId:onlyEvaluateLocally:)``.
    public func getAllFlagsAndPayloads(
        distinctId: String,
        groups: [String: String] = [:],
        personProperties: [String: JSONValue] = [:],
        groupProperties: [String: [String: JSONValue]] = [:],
        deviceId: String? = nil,
        onlyEvaluateLocally: Bool = false
    ) async -> (flags: [String: FeatureFlagValue], payloads: [String: JSONValue]) {
        guard !configuration.disabled else { return ([:], [:]) }
        let subject = FlagSubject(
            distinctId: distinctId, groups: groups, personProperties: personProperties, groupProperties: groupProperties, deviceId: deviceId)
        start()
        await featureFlags.waitForFirstLoad()
        var flags: [String: FeatureFlagValue] = [:]
        var payloads: [String: JSONValue] = [:]
        var fallback = true
        if let loaded = featureFlags.current {
            fallback = false
            for (key, evaluation) in loaded.evaluator.evaluateAll(for: subject, now: Date()) {
                switch evaluation {
                case .decided(let value, let payload):
                    flags[key] = value
                    if let payload { payloads[key] = payload }
                case .inconclusive:
                    fallback = true
                }
            }
        }
        guard fallback && !onlyEvaluateLocally else { return (flags, payloads) }
        switch await featureFlags.remote.evaluate(subject, keys: nil) {
        case .success(let response):
            if response.quotaLimited {
                report(PostHogError(.remoteFlagsFailed, "feature flags quota exceeded; no flag values", status: 402))
                return ([:], [:])
            }
            // The server's answer replaces local values, except for keys the server failed on.
            var merged: [String: FeatureFlagValue] = [:]
            var mergedPayloads: [String: JSONValue] = [:]
            for key in response.failed {
                if let local = flags[key] { merged[key] = local }
                if let payload = payloads[key] { mergedPayloads[key] = payload }
            }
            for (key, record) in response.flags {
                merged[key] = record.value
                if let payload = record.payload { mergedPayloads[key] = payload }
            }
            return (merged, mergedPayloads)
        case .failure(let error):
            report(error)
            return (flags, payloads)
        }
    }

    /// Fetches flag definitions now instead of waiting for the next poll.
    public func reloadFeatureFlags() async {
        guard !configuration.disabled else { return }
        start()
        await featureFlags.reload()
    }

    struct FlagReadResult {
        var value: FeatureFlagValue?
        var payload: JSONValue?
        var locallyEvaluated: Bool
        var requestId: String?
        var error: String?
    }

    func flagResult(_ key: String, subject: FlagSubject, onlyEvaluateLocally: Bool) async -> FlagReadResult {
        start()
        await featureFlags.waitForFirstLoad()
        var error: String?
        if let loaded = featureFlags.current {
            switch loaded.evaluator.evaluate(key, for: subject, now: Date()) {
            case .decided(let value, let payload)?:
                return FlagReadResult(value: value, payload: payload, locallyEvaluated: true)
            case .inconclusive?:
                error = "local_evaluation_inconclusive"
            case nil:
                error = "flag_missing"
            }
        }
        guard !onlyEvaluateLocally else { return FlagReadResult(locallyEvaluated: true, error: error) }
        switch await featureFlags.remote.evaluate(subject, keys: [key]) {
        case .success(let response):
            if response.quotaLimited { return FlagReadResult(locallyEvaluated: false, error: "quota_limited") }
            guard let record = response.flags[key] else {
                return FlagReadResult(
                    locallyEvaluated: false, requestId: response.requestId, error: response.failed.contains(key) ? "evaluation_failed" : "flag_missing")
            }
            return FlagReadResult(value: record.value, payload: record.payload, locallyEvaluated: false, requestId: response.requestId)
        case .failure(let failure):
            report(PostHogError(failure.kind, "flag '\(key)': \(failure.message)", status: failure.status))
            return FlagReadResult(locallyEvaluated: false, error: "connection_error")
        }
    }

    func reportFlagCalled(_ key: String, subject: FlagSubject, result: FlagReadResult) async {
        let response = result.value?.jsonValue ?? .null
        guard featureFlags.shouldReport(distinctId: subject.distinctId, key: key, response: JSONWriter.string(response), groups: subject.groups) else { return }
        var properties: [String: JSONValue] = [
            "$feature_flag": .string(key), "$feature_flag_response": response, "$feature/\(key)": response,
            "locally_evaluated": .bool(result.locallyEvaluated),
        ]
        if let payload = result.payload { properties["$feature_flag_payload"] = payload }
        if result.locallyEvaluated, let meta = featureFlags.current?.metadata[key] {
            properties["$feature_flag_id"] = meta.id
            properties["$feature_flag_version"] = meta.version
        }
        if let requestId = result.requestId { properties["$feature_flag_request_id"] = .string(requestId) }
        if let error = result.error { properties["$feature_flag_error"] = .string(error) }
        // Never waits: a full queue drops the event (counted and reported) rather than stall a flag read.
        _ = await submit(
            .capture("$feature_flag_called", distinctId: subject.distinctId, properties: properties, timestamp: .now(), groups: subject.groups),
            maxWait: .zero)
    }
}
