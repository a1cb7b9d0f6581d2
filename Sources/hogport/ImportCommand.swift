public import ArgumentParser
import Foundation
import HogportKit
import Logging
import PostHogCore
import PostHogKit

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import event logs (CSV or NDJSON, plain or gzip) into PostHog, with resume.",
        discussion: """
            Reads files, directories, globs or - (stdin); maps each row to a PostHog message that \
            keeps its original timestamp and gets a stable uuid; sends day-sized batches through a \
            rate-limited, adaptive, retrying sender; checkpoints progress in SQLite so the same \
            command resumes after a crash or kill. Rejected rows go to the rejects file.

            Host and key come from POSTHOG_HOST and POSTHOG_API_KEY (preferred: arguments are \
            visible to other users). With no host at all, events go to a local sink database \
            (.hogport/sink.db) so you can try an import without a PostHog account.

            Before anything is sent: a compressed file is checked end to end (a damaged one \
            sends nothing and is named with the byte offset); rows with invalid UTF-8, blank or \
            placeholder distinct ids (null, undefined, ...) or times more than a day ahead are \
            rejected. Events without $ip get $geoip_disable, so PostHog does not place them \
            where this machine is. One run at a time per checkpoint; a checkpoint remembers its \
            destination and refuses another.

            Examples:
              hogport import events/*.ndjson.gz                  # run it again after a crash: it resumes
              hogport import --dry-run --limit 20 export.csv     # see what rows become, send nothing
              hogport import --preset amplitude export.zip --rate 1000

            \(ExitStatus.helpLine)
            """
    )

    @Argument(help: "Input files, directories, globs, or - for standard input.")
    var paths: [String]

    @Option(help: "The PostHog host (default: $POSTHOG_HOST, else a local sink).")
    var host: String?

    @Option(help: "The project API key (default: $POSTHOG_API_KEY).")
    var apiKey: String?

    @Option(help: "The shape of the rows: \(Presets.names.joined(separator: ", ")) (see `hogport presets`).")
    var preset = "posthog"

    @Option(help: "Segment preset: the PostHog group type of `group` calls (Segment's groups have none; default: company).")
    var groupType: String?

    @Option(help: "Heap preset: the table every input holds (all_events, users, user_migrations, or an event table's name; default: each file's name).")
    var heapTable: String?

    @Flag(help: "GA4 preset: also import session_start, first_visit and user_engagement events.")
    var ga4KeepBookkeeping = false

    @Flag(inversion: .prefixedNo, help: "Vendor presets: send one $create_alias per new (device id, user id) pair, remembered in the checkpoint.")
    var linkDevices = true

    @Option(help: "A mapping file (JSON; see docs/import.md).")
    var mapping: String?

    @Option(help: "Input format: auto, ndjson or csv.")
    var format: InputFormat = .auto

    @Option(help: "Text encoding of the input: utf8 (invalid bytes reject the row) or latin1 (ISO-8859-1 with Windows-1252's extras, transcoded).")
    var encoding: TextEncoding = .utf8

    @Flag(help: "Do not check compressed files end to end before sending their rows (rows before a damaged spot are then sent).")
    var noVerify = false

    @Option(parsing: .unconditional, help: "Reject events timed more than this many hours after the run's start (PostHog would record them as arriving now).")
    var maxFuture = 24.0

    @Flag(help: "Send rows whose distinct id is a placeholder word (null, undefined, anonymous, 0, ...); they would merge into one person.")
    var allowPlaceholderIds = false

    @Flag(inversion: .prefixedNo, help: "Add $geoip_disable to events without $ip (else PostHog locates them where this machine is).")
    var geoipDisable = true

    @Option(parsing: .unconditional, help: "Mapping workers (parse, map, encode in parallel); default one per core.")
    var workers: Int?

    @Option(parsing: .unconditional, help: "Day batches kept open at once, so input not sorted by time still sends full batches.")
    var maxOpenDays = 32

    @Option(help: "The checkpoint database (default: .hogport/import-<id>.db for these inputs).")
    var checkpoint: String?

    @Option(help: "Where rejected rows go (default: next to the checkpoint, .rejects.ndjson).")
    var rejects: String?

    @Option(parsing: .unconditional, help: "Events per batch (at most 5 MiB per batch either way).")
    var batchSize = 1000

    @Option(parsing: .unconditional, help: "The most requests in flight; an adaptive controller works below it.")
    var concurrency = 8

    @Option(parsing: .unconditional, help: "Events per second ceiling (0 = unlimited). PostHog asks for a few thousand at most.")
    var rate = 2000.0

    @Flag(help: "Do not mark batches as historical_migration.")
    var noHistorical = false

    @Option(help: "Request compression: auto (gzip, except to a loopback host such as the local sink), gzip or none.")
    var compression: ImportConfiguration.Compression = .auto

    @Flag(help: "Map and validate without sending; print the first messages.")
    var dryRun = false

    @Option(parsing: .unconditional, help: "Stop after this many rows.")
    var limit: Int?

    @Flag(help: "Stop at the first rejected row.")
    var strict = false

    @Option(parsing: .unconditional, help: "Stop once more than this many rows are rejected.")
    var maxRejects: Int?

    @Flag(help: "Forget the checkpoint's progress and start over.")
    var restart = false

    @Option(help: "Progress display: auto (a bar on a terminal, JSON lines otherwise), always, never.")
    var progress: ProgressMode = .auto

    @Option(help: "Log format on stderr: text or json.")
    var logFormat: LogFormat = .text

    @Option(help: "Also write the final summary as JSON to this file.")
    var summaryJson: String?

    @Option(help: "Import one shard of the inputs, I/N (files whose index modulo N is I); one checkpoint per shard.")
    var shard: String?

    func validate() throws {
        guard batchSize >= 1 && batchSize <= 10_000 else { throw ValidationError("--batch-size must be between 1 and 10000") }
        guard concurrency >= 1 && concurrency <= 64 else { throw ValidationError("--concurrency must be between 1 and 64") }
        guard rate >= 0 else { throw ValidationError("--rate must be 0 (unlimited) or more events per second") }
        if let workers, workers < 1 || workers > 256 { throw ValidationError("--workers must be between 1 and 256") }
        guard maxOpenDays >= 1 && maxOpenDays <= 1000 else { throw ValidationError("--max-open-days must be between 1 and 1000") }
        guard maxFuture >= 0 else { throw ValidationError("--max-future must be 0 or more hours") }
        if let shard { _ = try Self.parseShard(shard) }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let maxRejects, maxRejects < 0 { throw ValidationError("--max-rejects must be 0 or more") }
    }

    /// The preset, with the mapping file's mapping in place of its own when one is given (a vendor
    /// preset's reshaper still runs first).
    func loadPreset() throws -> Preset {
        do throws(MappingError) {
            var chosen = try Presets.preset(named: preset)
            if let groupType {
                guard preset == "segment" else {
                    throw MappingError("--group-type applies to --preset segment (the other presets read the group type from the rows)")
                }
                guard !groupType.isEmpty, groupType.count <= 400 else { throw MappingError("--group-type must be 1 to 400 characters") }
                chosen = Presets.segment(groupType: groupType)
            }
            chosen = try Presets.configure(chosen, heapTable: heapTable, keepGA4Bookkeeping: ga4KeepBookkeeping)
            if let mapping {
                let tag = chosen.mapping.presetTag
                chosen.mapping = try ImportMapping(contentsOf: mapping)
                chosen.mapping.presetTag = tag
            }
            return chosen
        } catch {
            throw ValidationError(error.reason)
        }
    }

    static func parseShard(_ text: String) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else {
            throw ValidationError("--shard takes I/N with 0 <= I < N, e.g. 0/4")
        }
        return (i, n)
    }

    func run() async throws {
        Hogport.mapLargeBuffersOnTheirOwn()
        let logger = CLILogging.logger(label: "hogport.import", format: logFormat)
        let inputs: [String]
        do {
            inputs = try InputExpander.expand(paths)
        } catch {
            throw CommandFailure(message: error.message, code: error.exitCode)
        }
        let embeddedSink = try await startLocalSinkIfNeeded(logger: logger)
        var configuration = try makeConfiguration(inputs: inputs, localSink: embeddedSink)
        if let summaryJson { try Self.checkWritable(summaryJson) }
        configuration.isLocalSink = embeddedSink != nil

        let transport = AsyncHTTPClientTransport(maximumConnections: concurrency)
        let pipeline = ImportPipeline(configuration: configuration, transport: dryRun ? nil : transport, logger: logger)
        let reporter = ProgressReporter(mode: progress, logFormat: logFormat)
        let result = await CommandHarness.run(
            stopNotice: "stopping: requests in flight get 2 s, then the acknowledged rows are saved", requestStop: { pipeline.requestStop() },
            interval: reporter.interval, tick: { reporter.report(pipeline.progress) }, work: { try await pipeline.run() })
        reporter.finish(pipeline.progress)
        await transport.shutdown()
        if let embeddedSink { try? await embeddedSink.stop() }
        try finish(result, checkpoint: configuration.checkpointPath)
    }

    /// Prints the summary and turns the outcome into the exit code.
    private func finish(_ result: Result<ImportSummary, any Error>, checkpoint: String) throws {
        switch result {
        case .success(let summary):
            try report(summary)
            if summary.stopReason != nil || summary.counts.rejected > 0 { throw ExitCode(ExitCodes.finishedWithFindings) }
        case .failure(let error as ImportError):
            if let summary = error.summary { try report(summary) }
            let resumable = error.kind == .serverFailing || error.kind == .interrupted
            throw CommandFailure(
                message: CLILogging.redact(error.message + (resumable ? " (progress saved in \(checkpoint); run the same command to resume)" : "")),
                code: error.exitCode)
        case .failure(let error):
            throw error
        }
    }

    private func report(_ summary: ImportSummary) throws {
        SummaryPrinter.print(summary, format: logFormat)
        if let summaryJson { try AtomicFile.write(JSONWriter.pretty(summary.json), to: summaryJson) }
    }

    /// With no host at all (and not a dry run), a local sink to import into.
    private func startLocalSinkIfNeeded(logger: Logger) async throws -> SinkServer? {
        let env = ProcessInfo.processInfo.environment
        guard !dryRun, ImportConfiguration.resolveHost(option: host, environment: env) == .localSink else { return nil }
        let sinkPath = ".hogport/sink.db"
        try FileManager.default.createDirectory(atPath: ".hogport", withIntermediateDirectories: true)
        let sinkKey = apiKey ?? env["POSTHOG_API_KEY"] ?? "phc_local_sink"
        let sink = try await SinkServer.start(SinkConfiguration(databasePath: sinkPath, apiKey: sinkKey))
        logger.warning(
            "no --host or POSTHOG_HOST: importing into the LOCAL SINK \(sinkPath), not PostHog (see it with: hogport sink --db \(sinkPath) --report)")
        return sink
    }

    /// The job, from the options and the environment.
    private func makeConfiguration(inputs: [String], localSink: SinkServer?) throws -> ImportConfiguration {
        let env = ProcessInfo.processInfo.environment
        var resolvedHost: String
        var key = apiKey ?? env["POSTHOG_API_KEY"]
        if let localSink {
            resolvedHost = localSink.url
            key = key ?? "phc_local_sink"
        } else if case .host(let chosen) = ImportConfiguration.resolveHost(option: host, environment: env) {
            resolvedHost = chosen
        } else {
            resolvedHost = "http://dry-run.invalid"
        }
        if dryRun { key = key ?? "phc_dry_run" }
        guard let key, !key.isEmpty else { throw ValidationError("no project API key: set POSTHOG_API_KEY (or pass --api-key)") }
        if let problem = ImportConfiguration.hostProblem(resolvedHost) { throw ValidationError(problem) }
        CLILogging.registerSecret(key)
        let chosenPreset = try loadPreset()
        let shardValue = try shard.map(Self.parseShard)
        let destination = localSink != nil ? ImportDestination.localSink(apiKey: key) : ImportDestination(host: resolvedHost, apiKey: key)
        let checkpointPath = checkpoint ?? ImportConfiguration.defaultCheckpointPath(inputs: inputs, shard: shardValue, destination: destination)
        let rejectsPath = rejects ?? ImportConfiguration.defaultRejectsPath(checkpoint: checkpointPath)
        var configuration = ImportConfiguration(inputs: inputs, host: resolvedHost, apiKey: key, checkpointPath: checkpointPath, rejectsPath: rejectsPath)
        configuration.format = format
        configuration.encoding = encoding
        configuration.mapping = chosenPreset.mapping
        configuration.presetName = mapping == nil ? preset : "mapping:\(preset)"
        configuration.reshaper = chosenPreset.reshaper
        configuration.linkDevices = linkDevices
        configuration.batchSize = batchSize
        configuration.concurrency = concurrency
        configuration.rate = rate
        configuration.historicalMigration = !noHistorical
        configuration.gzip = ImportConfiguration.usesGzip(compression, host: resolvedHost)
        configuration.dryRun = dryRun
        configuration.limit = limit
        configuration.strict = strict
        configuration.maxRejects = maxRejects
        configuration.restart = restart
        configuration.shard = shardValue
        configuration.workers = workers ?? 0
        configuration.maxOpenDays = maxOpenDays
        configuration.verifyCompressed = !noVerify
        configuration.disableGeoIP = geoipDisable
        configuration.maxFuture = .milliseconds(Int64(maxFuture * 3_600_000))
        configuration.allowPlaceholderIds = allowPlaceholderIds
        configuration.isLocalSink = localSink != nil
        return configuration
    }

    /// Creates `path` (mode 0600) if missing and checks it can be written, before any request.
    static func checkWritable(_ path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CommandFailure(message: "cannot create \(path): check that its folder exists and is writable", code: ExitCodes.unreadableInput)
            }
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw CommandFailure(message: "cannot write \(path): check its mode and owner", code: ExitCodes.unreadableInput)
        }
    }
}

extension InputFormat: ExpressibleByArgument {}
extension TextEncoding: ExpressibleByArgument {}
extension ImportConfiguration.Compression: ExpressibleByArgument {}
