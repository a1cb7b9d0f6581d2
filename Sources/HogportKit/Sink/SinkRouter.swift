import Logging
import PostHogKit
import PostHogCore
import Synchronization

/// The sink's request handling, free of sockets: PostHog's capture contract (and, for other
/// subcommands, flags and query endpoints) over a ``SinkStore``.
public final class SinkRouter: Sendable {
    public let configuration: SinkConfiguration
    public let store: SinkStore
    private let state: Mutex<State>

    struct State {
        var statistics = SinkStatistics()
        var random: SplitMix64
        var failIndex = 0
    }

    /// Extra routes (flags, query) handled before a 404; nil from a handler means "not mine".
    public typealias Route = @Sendable (SinkRequest) -> SinkResponse?
    private let extraRoutes: Mutex<[Route]>

    public init(configuration: SinkConfiguration, store: SinkStore) {
        self.configuration = configuration
        self.store = store
        state = Mutex(State(random: SplitMix64(seed: configuration.faults.seed)))
        extraRoutes = Mutex([])
    }

    /// Adds a route consulted for requests the capture API does not handle.
    public func addRoute(_ route: @escaping Route) {
        extraRoutes.withLock { $0.append(route) }
    }

    /// A snapshot of the counters.
    public var statistics: SinkStatistics { state.withLock { $0.statistics } }

    static let capturePaths: Set<String> = ["/batch", "/batch/", "/capture", "/capture/", "/e", "/e/", "/i/v0/e", "/i/v0/e/", "/track", "/track/"]

    /// Whether `path` is a capture route (where faults apply).
    public static func isCapture(_ path: String) -> Bool { capturePaths.contains(path) }

    /// The injected fault for the next capture request, if any (decided before reading it).
    public func fault() -> SinkResponse? {
        let faults = configuration.faults
        guard faults.failRate > 0 || faults.dropRate > 0 else { return nil }
        return state.withLock { s -> SinkResponse? in
            let roll = s.random.nextDouble()
            if roll < faults.dropRate {
                s.statistics.requests += 1
                s.statistics.dropped += 1
                return .drop
            }
            if roll < faults.dropRate + faults.failRate {
                let code = faults.failCodes.isEmpty ? 503 : faults.failCodes[s.failIndex % faults.failCodes.count]
                s.failIndex += 1
                s.statistics.requests += 1
                s.statistics.injectedFailures += 1
                s.statistics.statuses[code, default: 0] += 1
                let headers = faults.retryAfter.map { [("Retry-After", String($0))] } ?? []
                return .text(code, "injected failure", headers: headers)
            }
            return nil
        }
    }

    /// Answers one request.
    public func handle(_ request: SinkRequest) -> SinkResponse {
        if Self.isCapture(request.path) && request.method == "POST" {
            if let fault = fault() { return fault }
            let response = capture(request)
            state.withLock { s in
                s.statistics.requests += 1
                if let status = response.status { s.statistics.statuses[status, default: 0] += 1 }
            }
            return response
        }
        if request.path == "/_sink/stats" && request.method == "GET" {
            return statsResponse()
        }
        for route in extraRoutes.withLock({ $0 }) {
            if let response = route(request) { return response }
        }
        return .text(404, "not found: \(request.method) \(request.path)")
    }

    func statsResponse() -> SinkResponse {
        let stats = statistics
        let counts = (try? store.counts()) ?? (0, 0)
        var statuses: [String: JSONValue] = [:]
        for (code, n) in stats.statuses { statuses[String(code)] = .int(Int64(n)) }
        return .json(
            200,
            [
                "requests": .int(Int64(stats.requests)), "statuses": .object(statuses), "dropped": .int(Int64(stats.dropped)),
                "injected_failures": .int(Int64(stats.injectedFailures)), "events": .int(Int64(counts.0)),
                "distinct_uuids": .int(Int64(counts.1)), "historical_batches": .int(Int64(stats.historicalBatches)),
            ])
    }

    // MARK: Capture

    func capture(_ request: SinkRequest) -> SinkResponse {
        var body = request.body
        let encoding = request.header("Content-Encoding")?.lowercased() ?? request.query["compression"]?.lowercased()
        if Gzip.hasMagic(body) || encoding == "gzip" || encoding == "gzip-js" {
            do {
                body = try Gzip.decompress(body, limit: configuration.maximumDecompressedBytes)
            } catch {
                if error.message.contains("exceeds") { return .text(413, "request body too large once decompressed") }
                return .text(400, "invalid GZIP data: \(error.message)")
            }
        }
        if configuration.countOnly {
            let count = BatchCounter.count(body)
            state.withLock { $0.statistics.eventsStored += count }
            return .json(200, ["status": "Ok"])
        }
        let now = Timestamp.now()
        let isBatchPath = request.path.hasPrefix("/batch")
        let batch: CaptureBatch
        let apiKey = configuration.apiKey
        switch body.withUnsafeBufferPointer({ Self.scanBatch($0, apiKey: apiKey, isBatchPath: isBatchPath, now: now) }) {
        case .success(let scanned)?:
            batch = scanned
        case .failure(let problem)?:
            return .text(problem.status, problem.message)
        case nil:
            switch Self.parseCapture(body, apiKey: apiKey, isBatchPath: isBatchPath, now: now) {
            case .success(let parsed): batch = parsed
            case .failure(let problem): return .text(problem.status, problem.message)
            }
        }
        let rows = batch.rows
        let refused = configuration.faults.refuseEvents
        if !refused.isEmpty, let index = rows.firstIndex(where: { refused.contains($0.event) }) {
            return .text(400, "RefusedEvent: event \(index) ('\(rows[index].event)') is refused by --refuse-events")
        }
        do {
            try store.insert(rows)
        } catch {
            return .text(503, "transient error, please retry: \(error)")
        }
        let historical = rows.first?.historical ?? false
        state.withLock { s in
            s.statistics.eventsStored += rows.count
            if historical { s.statistics.historicalBatches += 1 }
        }
        return .json(200, ["status": "Ok"])
    }

    struct Problem: Error {
        var message: String
        var status = 400
    }

    /// The general path: the whole body parsed into values, every event checked by ``validate``.
    static func parseCapture(_ body: [UInt8], apiKey: String, isBatchPath: Bool, now: Timestamp) -> Result<CaptureBatch, Problem> {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            return .failure(Problem(message: "failed to parse request: \(error)"))
        }
        var envelopeToken: String?
        var historical = false
        var sentAt: String?
        let rawEvents: [JSONValue]
        switch json {
        case .object(let object) where object["batch"] != nil:
            guard case .array(let batch) = object["batch"]! else { return .failure(Problem(message: "failed to parse request: batch is not an array")) }
            rawEvents = batch
            envelopeToken = object["api_key"]?.stringValue ?? object["token"]?.stringValue
            historical = object["historical_migration"]?.boolValue ?? false
            sentAt = object["sent_at"]?.stringValue
        case .object:
            rawEvents = [json]
        case .array(let events):
            rawEvents = events
        default:
            return .failure(Problem(message: "failed to parse request: expected an object or an array"))
        }
        // Only /batch reads historical_migration and sent_at, as PostHog's capture does.
        if !isBatchPath {
            historical = false
            sentAt = nil
        }
        guard !rawEvents.isEmpty else { return .failure(Problem(message: "EmptyBatch: the batch has no events")) }
        let token = envelopeToken ?? rawEvents.first.flatMap { Self.eventToken($0) }
        guard let token, !token.isEmpty else { return .failure(Problem(message: "no API key (token) in the request", status: 401)) }
        guard token == apiKey else { return .failure(Problem(message: "invalid project API key", status: 401)) }
        var rows: [SinkStore.Incoming] = []
        rows.reserveCapacity(rawEvents.count)
        for (index, raw) in rawEvents.enumerated() {
            switch Self.validate(raw, index: index, now: now, historical: historical, sentAt: sentAt) {
            case .success(let row):
                rows.append(SinkStore.Incoming(row))
            case .failure(let problem):
                return .failure(problem)
            }
        }
        if body.count > PostHogEvent.maximumEncodedSize {
            for (index, raw) in rawEvents.enumerated() where JSONWriter.encode(raw).count > PostHogEvent.maximumEncodedSize {
                return .failure(Problem(message: "EventTooBig: event \(index) is over \(PostHogEvent.maximumEncodedSize) bytes", status: 413))
            }
        }
        return .success(CaptureBatch(token: token, rows: rows))
    }

    static func eventToken(_ event: JSONValue) -> String? {
        event["api_key"]?.stringValue ?? event["token"]?.stringValue ?? event["$token"]?.stringValue
            ?? event["properties"]?["token"]?.stringValue
    }

    /// Checks one event as PostHog's capture does and turns it into a row.
    static func validate(_ raw: JSONValue, index: Int, now: Timestamp, historical: Bool, sentAt: String?) -> Result<SinkStore.Row, Problem> {
        guard case .object(let object) = raw else { return .failure(Problem(message: "failed to parse request: event \(index) is not an object")) }
        guard let name = object["event"]?.stringValue, !name.isEmpty else {
            return .failure(Problem(message: "MissingEventName: event \(index) has no event name"))
        }
        var properties = object["properties"]?.objectValue ?? [:]
        let distinctValue = object["distinct_id"] ?? object["$distinct_id"] ?? properties["distinct_id"]
        let distinctId: String
        switch distinctValue {
        case .string(let s)?: distinctId = s
        case .null?, nil: distinctId = ""
        case let other?: distinctId = JSONWriter.string(other)
        }
        guard !distinctId.isEmpty else {
            return .failure(Problem(message: "MissingDistinctId: event \(index) ('\(name)') has no distinct_id"))
        }
        var uuid: String
        switch object["uuid"] {
        case nil, .null?: uuid = ""
        case .string(let s)?: uuid = s
        default: return .failure(Problem(message: "failed to parse request: event \(index) has a uuid that is not a string"))
        }
        if uuid.isEmpty {
            uuid = EventUUID.v7(at: now)
        } else {
            guard let normalized = EventUUID.normalized(uuid) else {
                return .failure(Problem(message: "failed to parse request: event \(index) has an invalid uuid '\(uuid)'"))
            }
            uuid = normalized
        }
        var timestamp = now
        if let text = object["timestamp"]?.stringValue, let parsed = Timestamp(iso8601: text) {
            timestamp = parsed
        }
        // Ingestion merges top-level $set/$set_once into the properties; the top-level keys win.
        for key in ["$set", "$set_once"] {
            if case .object(let top)? = object[key] {
                var merged = properties[key]?.objectValue ?? [:]
                for (k, v) in top { merged[k] = v }
                properties[key] = .object(merged)
            }
        }
        return .success(
            SinkStore.Row(
                uuid: uuid, event: name, distinctId: String(distinctId.prefix(200)), timestamp: timestamp, properties: properties,
                historical: historical, sentAt: sentAt))
    }
}
