public import Logging
import PostHogCore
public import PostHogKit

/// The import: read -> map -> batch -> send -> commit, with checkpoints.
///
/// The stages are types of their own (``RowSource``, ``ChunkMapper``, ``DayBatcher``,
/// ``UploadGate`` with ``BatchSender``, ``CommitLedger`` with the checkpoint); one coordinating
/// task connects them (see `ImportRun`), mapping runs on every core, and a row's position is
/// committed only when every message it became and every earlier row's is acknowledged (or in
/// the rejects file). Killed at any point, the same command resumes: nothing lost, and re-sent
/// rows carry the same uuids.
public final class ImportPipeline: Sendable {
    public let configuration: ImportConfiguration
    let transport: (any HTTPTransport)?
    let logger: Logger
    let sleep: @Sendable (Duration) async throws -> Void
    private let live = LiveProgress()
    private let stop = StopRequest()

    /// - Parameters:
    ///   - transport: where batches go; nil only for dry runs.
    ///   - sleep: waits for the rate limiter and retries (tests pass one that does not sleep).
    public init(
        configuration: ImportConfiguration,
        transport: (any HTTPTransport)?,
        logger: Logger = Logger(label: "hogport.import", factory: { _ in SwiftLogNoOpLogHandler() }),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.sleep = sleep
    }

    /// The progress so far (safe to call from another task while ``run()`` works).
    public var progress: ImportProgress { live.snapshot }

    /// Asks a running import to stop: it reads no more, gives the requests in flight about two
    /// seconds, commits what was acknowledged, and ends with ``ImportError/Kind/interrupted``.
    public func requestStop() {
        stop.request()
    }

    /// Runs the import to the end (or to the first fatal error).
    public func run() async throws(ImportError) -> ImportSummary {
        let job = try ImportJob(configuration: configuration, logger: logger)
        let stop = self.stop
        let run = ImportRun(job: job, sender: makeSender(), live: live, logger: logger, sleep: sleep, stopRequested: { stop.isRequested })
        return try await run.run()
    }

    private func makeSender() -> BatchSender? {
        guard let transport, !configuration.dryRun else { return nil }
        var sender = BatchSender(
            apiKey: configuration.apiKey, host: configuration.host, transport: transport, gzip: configuration.gzip,
            historicalMigration: configuration.historicalMigration, requestTimeout: configuration.requestTimeout,
            retryPolicy: configuration.retryPolicy, userAgent: HogportInfo.userAgent, logger: logger, sleep: sleep)
        let watcher = FailureWatcher(host: configuration.isLocalSink ? "the local sink" : configuration.host, live: live, logger: logger)
        sender.observer = { watcher.observe($0) }
        return sender
    }
}
