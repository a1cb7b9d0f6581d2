import Foundation
import Logging
import Synchronization
import PostHogCore

/// The client's feature-flag machinery: definitions kept fresh by a poller, local evaluation,
/// the remote fallback, and `$feature_flag_called` deduplication.
final class FeatureFlags: Sendable {
    struct Loaded: Sendable {
        var evaluator: FlagEvaluator
        /// Per flag key: (id, version) for `$feature_flag_called`.
        var metadata: [String: (id: JSONValue, version: JSONValue)]
        var keys: [String]
    }

    struct State {
        var loaded: Loaded?
        var etag: String?
        var firstLoad: Task<Void, Never>?
        var poller: Task<Void, Never>?
        var reported: Set<String> = []
        var reportedIds: Set<String> = []
    }

    let fetcher: FlagDefinitionsFetcher?
    let remote: RemoteFlags
    let logger: Logger
    let interval: Duration
    /// Reports a flag failure to the client's `onError` (and logger).
    let report: @Sendable (PostHogError) -> Void
    let state = Mutex(State())
    static let maximumReportedIds = 50_000

    init(configuration: PostHogConfiguration, transport: any HTTPTransport, report: @escaping @Sendable (PostHogError) -> Void) {
        remote = RemoteFlags(
            host: configuration.host, projectAPIKey: configuration.apiKey, transport: transport, timeout: configuration.featureFlagRequestTimeout,
            disableGeoIP: configuration.disableGeoIP)
        self.report = report
        logger = configuration.logger
        interval = configuration.featureFlagsPollingInterval
        if let secret = configuration.personalApiKey, !secret.isEmpty {
            fetcher = FlagDefinitionsFetcher(
                host: configuration.host, projectAPIKey: configuration.apiKey, secretKey: secret, transport: transport, timeout: .seconds(10))
        } else {
            fetcher = nil
        }
    }

    /// Starts the first load and the poller (when a secret key is configured), once.
    func start() {
        guard fetcher != nil else { return }
        state.withLock { s in
            guard s.firstLoad == nil else { return }
            let first = Task { [self] in await self.fetchAndApply() }
            let interval = self.interval
            s.firstLoad = first
            s.poller = Task { [weak self] in
                await first.value
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard let self, !Task.isCancelled else { return }
                    await self.fetchAndApply()
                }
            }
        }
    }

    func stop() {
        let poller = state.withLock { $0.poller }
        poller?.cancel()
    }

    /// Waits for the first definitions load to finish (successfully or not).
    func waitForFirstLoad() async {
        let first = state.withLock { $0.firstLoad }
        await first?.value
    }

    var current: Loaded? { state.withLock { $0.loaded } }

    /// Fetches definitions now, after the first load (so an older answer never replaces a newer one).
    func reload() async {
        await waitForFirstLoad()
        await fetchAndApply()
    }

    /// Fetches definitions once and installs them (or clears them, on 401/402).
    func fetchAndApply() async {
        guard let fetcher else { return }
        let etag = state.withLock { $0.etag }
        switch await fetcher.fetch(etag: etag) {
        case .modified(let json, _, let newTag):
            do {
                let loaded = try Self.load(json)
                state.withLock {
                    $0.loaded = loaded
                    $0.etag = newTag
                }
                logger.debug("loaded feature flag definitions", metadata: ["flags": "\(loaded.keys.count)"])
            } catch {
                report(PostHogError(.flagDefinitionsFailed, "unreadable feature flag definitions: \(error)", status: 200))
            }
        case .notModified(let newTag):
            state.withLock { $0.etag = newTag }
        case .quotaLimited:
            report(PostHogError(.flagDefinitionsFailed, "feature flags quota exceeded: local evaluation is off until the quota resets", status: 402))
            state.withLock {
                $0.loaded = nil
                $0.etag = nil
            }
        case .unauthorized:
            report(PostHogError(.personalApiKeyRefused, "the personal API key was refused fetching flag definitions", status: 401))
            state.withLock {
                $0.loaded = nil
                $0.etag = nil
            }
        case .failed(let status, let message):
            report(PostHogError(.flagDefinitionsFailed, "could not fetch flag definitions: \(message); next try in \(interval)", status: status))
        }
    }

    static func load(_ json: JSONValue) throws -> Loaded {
        let definitions = try FlagDefinitions(json: json)
        var metadata: [String: (JSONValue, JSONValue)] = [:]
        var keys: [String] = []
        for flag in json["flags"]?.arrayValue ?? [] {
            guard let key = flag["key"]?.stringValue else { continue }
            keys.append(key)
            metadata[key] = (flag["id"] ?? .null, flag["version"] ?? .null)
        }
        return Loaded(evaluator: FlagEvaluator(definitions: definitions), metadata: metadata, keys: keys)
    }

    /// Whether a `$feature_flag_called` for this combination is new (and records it).
    func shouldReport(distinctId: String, key: String, response: String, groups: [String: String]) -> Bool {
        let groupText = groups.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        let id = "\(distinctId)\u{1F}\(key)\u{1F}\(response)\u{1F}\(groupText)"
        return state.withLock { s in
            if s.reportedIds.count >= Self.maximumReportedIds && !s.reportedIds.contains(distinctId) {
                s.reported.removeAll()
                s.reportedIds.removeAll()
            }
            s.reportedIds.insert(distinctId)
            return s.reported.insert(id).inserted
        }
    }
}
