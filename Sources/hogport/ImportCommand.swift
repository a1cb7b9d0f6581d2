public import ArgumentParser
import Foundation
import HogportKit
import Logging
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

            Exit codes: 0 all delivered, 1 finished with rejected rows, 2 usage, 3 authentication, \
            4 server kept failing (checkpoint saved), 5 unreadable input, 130 interrupted (saved).
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

    @Option(help: "The checkpoint database (default: .hogport/import-<id>.db for these inputs).")
    var checkpoint: String?

    @Option(help: "Where rejected rows go (default: next to the checkpoint, .rejects.ndjson).")
    var rejects: String?

    @Option(help: "Events per batch (at most 5 MiB per batch either way).")
    var batchSize = 1000

    @Option(help: "The most requests in flight; an adaptive controller works below it.")
    var concurrency = 4

    @Option(help: "Events per second ceiling (0 = unlimited). PostHog asks for a few thousand at most.")
    var rate = 2000.0

    @Flag(help: "Do not mark batches as historical_migration.")
    var noHistorical = false

    @Option(help: "Request compression: auto (gzip, except to a loopback host such as the local sink), gzip or none.")
    var compression: Compression = .auto

    enum Compression: String, ExpressibleByArgument, CaseIterable {
        case auto, gzip, none
    }

    @Flag(help: "Map and validate without sending; print the first messages.")
    var dryRun = false

    @Option(help: "Stop after this many rows.")
    var limit: Int?

    @Flag(help: "Stop at the first rejected row.")
    var strict = false

    @Option(help: "Stop once more than this many rows are rejected.")
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
        guard rate >= 0 else { throw ValidationError("--rate must be 0 (unlimited) or more") }
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
                guard preset == "segment" else { throw MappingError("--group-type applies to --preset segment (the other presets read the group type from the rows)") }
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

    /// Whether `url` names this machine: compressing for it costs both ends CPU and saves nothing.
    static func isLoopback(_ url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host?.lowercased() else { return false }
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let logger = CLILogging.logger(label: "hogport.import", format: logFormat)
        let inputs: [String]
        do {
            inputs = try InputExpander.expand(paths)
        } catch {
            throw CommandFailure(message: error.message, code: error.exitCode)
        }
        let chosenPreset = try loadPreset()
        let importMapping = chosenPreset.mapping
        let shardValue = try shard.map(Self.parseShard)
        let checkpointPath = checkpoint ?? Self.defaultCheckpoint(inputs: inputs, shard: shard)
        let rejectsPath = rejects ?? (checkpointPath.hasSuffix(".db") ? String(checkpointPath.dropLast(3)) : checkpointPath) + ".rejects.ndjson"

        var embeddedSink: SinkServer?
        var resolvedHost = host ?? env["POSTHOG_HOST"]
        var key = apiKey ?? env["POSTHOG_API_KEY"]
        if resolvedHost == nil && !dryRun {
            let sinkPath = ".hogport/sink.db"
            try FileManager.default.createDirectory(atPath: ".hogport", withIntermediateDirectories: true)
            let sinkKey = key ?? "phc_local_sink"
            embeddedSink = try await SinkServer.start(SinkConfiguration(databasePath: sinkPath, apiKey: sinkKey))
            resolvedHost = embeddedSink?.url
            key = sinkKey
            logger.notice("no --host or POSTHOG_HOST: importing into the local sink \(sinkPath) (see it with: hogport sink --db \(sinkPath) --report)")
        }
        if dryRun {
            resolvedHost = resolvedHost ?? "http://dry-run.invalid"
            key = key ?? "phc_dry_run"
        }
        guard let resolvedHost else { throw ValidationError("no host: set POSTHOG_HOST or pass --host") }
        guard let key, !key.isEmpty else { throw ValidationError("no project API key: set POSTHOG_API_KEY (or pass --api-key)") }
        guard resolvedHost.hasPrefix("http://") || resolvedHost.hasPrefix("https://") else {
            throw ValidationError("--host must start with http:// or https:// (got \(resolvedHost))")
        }

        var configuration = ImportConfiguration(inputs: inputs, host: resolvedHost, apiKey: key, checkpointPath: checkpointPath, rejectsPath: rejectsPath)
        configuration.format = format
        configuration.mapping = importMapping
        configuration.presetName = mapping == nil ? preset : "mapping:\(preset)"
        configuration.reshaper = chosenPreset.reshaper
        configuration.linkDevices = linkDevices
        configuration.batchSize = batchSize
        configuration.concurrency = concurrency
        configuration.rate = rate
        configuration.historicalMigration = !noHistorical
        configuration.gzip = compression == .gzip || (compression == .auto && !Self.isLoopback(resolvedHost))
        configuration.dryRun = dryRun
        configuration.limit = limit
        configuration.strict = strict
        configuration.maxRejects = maxRejects
        configuration.restart = restart
        configuration.shard = shardValue

        let transport = AsyncHTTPClientTransport(maximumConnections: concurrency)
        let pipeline = ImportPipeline(configuration: configuration, transport: dryRun ? nil : transport, logger: logger)
        let reporter = ProgressReporter(mode: progress, logFormat: logFormat)
        let work = Task { try await pipeline.run() }
        let signals = Task {
            let signal = await SignalWaiter.wait()
            if !Task.isCancelled {
                FileHandle.standardError.write(Data("\nhogport: signal \(signal): stopping after the batches in flight, then saving the checkpoint (a second signal quits at once; the checkpoint stays consistent)\n".utf8))
                pipeline.requestStop()
            }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: reporter.interval)
                if Task.isCancelled { break }
                reporter.report(pipeline.progress)
            }
        }
        let result = await work.result
        ticker.cancel()
        signals.cancel()
        reporter.finish(pipeline.progress)
        await transport.shutdown()
        if let embeddedSink { try? await embeddedSink.stop() }

        switch result {
        case .success(let summary):
            SummaryPrinter.print(summary, format: logFormat)
            if let summaryJson { try AtomicFile.write(JSONWriter.pretty(summary.json), to: summaryJson) }
            if summary.stopReason != nil || summary.counts.rejected > 0 { throw ExitCode(ExitCodes.finishedWithFindings) }
        case .failure(let error as ImportError):
            throw CommandFailure(message: error.message + (error.kind == .serverFailing || error.kind == .interrupted ? " (progress saved in \(checkpointPath); run the same command to resume)" : ""), code: error.exitCode)
        case .failure(let error):
            throw error
        }
    }

    static func defaultCheckpoint(inputs: [String], shard: String?) -> String {
        let absolute = inputs.map { $0 == "-" ? "-" : URL(fileURLWithPath: $0).standardizedFileURL.path }.sorted().joined(separator: "\n") + (shard.map { "\n\($0)" } ?? "")
        let digest = SHA1.hex(SHA1.hash(Array(absolute.utf8)).prefix(6))
        return ".hogport/import-\(digest).db"
    }
}

extension InputFormat: ExpressibleByArgument {}
