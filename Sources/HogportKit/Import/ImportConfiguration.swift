import PostHogCore
public import PostHogKit
import Foundation

/// Everything an import run needs to know.
public struct ImportConfiguration: Sendable {
    /// Input files (after glob and directory expansion); `-` is standard input.
    public var inputs: [String]
    public var format = InputFormat.auto
    public var encoding = TextEncoding.utf8
    public var mapping = ImportMapping()
    /// The preset's name, part of the job's fingerprint.
    public var presetName = "posthog"
    /// The preset's reshaper (vendor exports), applied before ``mapping``; see ``PresetRowMapper``.
    public var reshaper: (any RowReshaper)?
    /// Whether (device, user) pairs a reshaper reports become `$create_alias` messages, once per
    /// pair across runs (the checkpoint's `links` table).
    public var linkDevices = true
    public var host: String
    public var apiKey: String
    public var checkpointPath: String
    public var rejectsPath: String
    public var batchSize = 1000
    public var maxBatchBytes = 5 * 1024 * 1024
    /// The most requests in flight; the adaptive controller works below it.
    public var concurrency = 8
    /// Events per second ceiling; 0 = unlimited.
    public var rate = 2000.0
    public var historicalMigration = true
    public var gzip = true
    public var dryRun = false
    /// Stop after this many rows (across files).
    public var limit: Int?
    /// Stop at the first rejected row.
    public var strict = false
    /// Stop once more than this many rows are rejected.
    public var maxRejects: Int?
    /// Forget the checkpoint's progress and start over.
    public var restart = false
    /// `(index, count)`: import only files whose position in `inputs` is `index` modulo `count`.
    public var shard: (index: Int, count: Int)?
    public var retryPolicy = RetryPolicy(maxRetries: 8, baseDelay: .milliseconds(500), maxDelay: .seconds(30))
    public var requestTimeout: Duration = .seconds(30)
    /// Mapping workers (parse, map, encode in parallel); 0 = one per core.
    public var workers = 0
    /// Day batches open at once, so input not sorted by time still fills batches.
    public var maxOpenDays = 32
    /// Check compressed files end to end (CRC and length) before sending any of their rows.
    public var verifyCompressed = true
    /// Add `"$geoip_disable": true` to events without `$ip`, so PostHog does not place them where
    /// the importing machine is.
    public var disableGeoIP = true
    /// How far after the run's start an event's time may be; later ones are rejected.
    public var maxFuture: Duration = .seconds(86_400)
    /// Let placeholder distinct ids (`null`, `undefined`, ...) through.
    public var allowPlaceholderIds = false
    /// Whether ``host`` is the local sink the CLI started because no host was set.
    public var isLocalSink = false

    public init(inputs: [String], host: String, apiKey: String, checkpointPath: String, rejectsPath: String) {
        self.inputs = inputs
        self.host = host
        self.apiKey = apiKey
        self.checkpointPath = checkpointPath
        self.rejectsPath = rejectsPath
    }

    /// What must stay the same for a checkpoint to be resumed: how rows become messages.
    public var fingerprint: String {
        "preset=\(presetName)\u{1E}format=\(format.rawValue)\u{1E}mapping=\(mapping.fingerprint)"
            + (encoding == .utf8 ? "" : "\u{1E}encoding=\(encoding.rawValue)")
    }

    /// Where the rows go, as the checkpoint records it.
    public var destination: ImportDestination {
        isLocalSink ? .localSink(apiKey: apiKey) : ImportDestination(host: host, apiKey: apiKey)
    }

    /// The number of mapping workers this run uses.
    public var resolvedWorkers: Int {
        workers > 0 ? workers : max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The files this run (or shard) imports.
    public var assignedInputs: [String] {
        guard let shard else { return inputs }
        return inputs.enumerated().filter { $0.offset % shard.count == shard.index }.map(\.element)
    }
}
