import PostHogCore
public import PostHogKit

/// Everything an import run needs to know.
public struct ImportConfiguration: Sendable {
    /// Input files (after glob and directory expansion); `-` is standard input.
    public var inputs: [String]
    public var format = InputFormat.auto
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
    public var concurrency = 4
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
    }

    /// The files this run (or shard) imports.
    public var assignedInputs: [String] {
        guard let shard else { return inputs }
        return inputs.enumerated().filter { $0.offset % shard.count == shard.index }.map(\.element)
    }
}
