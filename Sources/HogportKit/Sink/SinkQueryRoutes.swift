import PostHogKit
import PostHogCore
import Synchronization

/// The sink's query endpoint, for `hogport export`: `POST /api/projects/:id/query/` answers the
/// exporter's HogQL pages (``ExportQuery/knownTexts``; any other query text gets 400) from the
/// store's `events` table in `(timestamp_us, uuid)` order, one row per (timestamp, uuid) as
/// PostHog keeps one copy of a duplicated event.
///
/// With `asynchronous`, a query is answered 202 with a `query_status`, and
/// `GET /api/projects/:id/query/:query_id/` answers 202 once more, then 200 with the results,
/// as PostHog's asynchronous queries do. The router's injected failures (`--fail-rate`,
/// `--fail-codes`, `--retry-after`) apply to these routes as to capture.
public final class SinkQueryRoutes: Sendable {
    public let store: SinkStore
    public let personalAPIKey: String?
    public let asynchronous: Bool
    private let pending = Mutex<[String: (polls: Int, response: JSONValue)]>([:])
    private let counter = Atomic<Int>(0)

    public init(store: SinkStore, personalAPIKey: String?, asynchronous: Bool = false) {
        self.store = store
        self.personalAPIKey = personalAPIKey
        self.asynchronous = asynchronous
    }

    /// Adds these routes to `router`.
    public func install(on router: SinkRouter) {
        router.addRoute { [self, weak router] request in
            guard Self.isQuery(request.path) else { return nil }
            if let fault = router?.fault() { return fault }
            return self.handle(request)
        }
    }

    /// Whether `path` is under `/api/projects/:id/query`.
    public static func isQuery(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        return parts.count >= 4 && parts[0] == "api" && parts[1] == "projects" && parts[3] == "query"
    }

    func handle(_ request: SinkRequest) -> SinkResponse? {
        let parts = request.path.split(separator: "/")
        guard Self.isQuery(request.path), parts.count <= 5 else { return nil }
        if let denied = authenticate(request) { return denied }
        switch (request.method, parts.count) {
        case ("POST", 4): return query(request, team: String(parts[2]))
        case ("GET", 5): return poll(String(parts[4]))
        case ("DELETE", 5):
            pending.withLock { _ = $0.removeValue(forKey: String(parts[4])) }
            return .respond(status: 204, headers: [], body: [])
        default: return .json(405, ["type": "invalid_request", "detail": .string("method \(request.method) not allowed")])
        }
    }

    func authenticate(_ request: SinkRequest) -> SinkResponse? {
        guard let authorization = request.header("Authorization"), authorization.hasPrefix("Bearer ") else {
            return .json(401, ["type": "authentication_error", "code": "not_authenticated", "detail": "Authentication credentials were not provided."])
        }
        if let personalAPIKey, String(authorization.dropFirst("Bearer ".count)) != personalAPIKey {
            return .json(401, ["type": "authentication_error", "code": "authentication_failed", "detail": "Invalid personal API key."])
        }
        return nil
    }

    func query(_ request: SinkRequest, team: String) -> SinkResponse {
        guard let body = try? JSONParser.parse(request.body) else {
            return .json(400, ["type": "validation_error", "detail": "the body is not JSON"])
        }
        guard let query = ExportQuery.parse(body) else {
            return .json(400, ["type": "validation_error", "detail": "the sink answers only hogport export's queries"])
        }
        let response: JSONValue
        do {
            response = try results(query)
        } catch {
            return .json(500, ["type": "server_error", "detail": .string("\(error)")])
        }
        guard asynchronous else { return .json(200, response) }
        let id = "sinkq-\(counter.wrappingAdd(1, ordering: .relaxed).newValue)"
        pending.withLock { $0[id] = (0, response) }
        return .json(202, ["query_status": ["id": .string(id), "team_id": .string(team), "complete": false]])
    }

    func poll(_ id: String) -> SinkResponse {
        let state = pending.withLock { table -> (polls: Int, response: JSONValue)? in
            guard var entry = table[id] else { return nil }
            entry.polls += 1
            if entry.polls >= 2 { table[id] = nil } else { table[id] = entry }
            return entry
        }
        guard let state else { return .json(404, ["type": "invalid_request", "detail": .string("no query \(id)")]) }
        if state.polls < 2 {
            return .json(202, ["query_status": ["id": .string(id), "complete": false]])
        }
        return .json(200, ["query_status": ["id": .string(id), "complete": true, "results": state.response]])
    }

    /// The page as PostHog's HogQL response: `results` rows, `columns` (``ExportQuery/columns``,
    /// the uuid as `uuid_text`, the time as `timestamp_utc` text), `types`.
    func results(_ query: ExportQuery) throws -> JSONValue {
        var sql = "SELECT uuid, event, distinct_id, timestamp_us, properties, MIN(id) FROM events WHERE timestamp_us >= ? AND timestamp_us < ?"
        var arguments: [SQLiteValue] = [.integer(query.since.microseconds), .integer(query.until.microseconds)]
        if !query.events.isEmpty {
            sql += " AND event IN (\(Array(repeating: "?", count: query.events.count).joined(separator: ",")))"
            arguments += query.events.map { .text($0) }
        }
        if let after = query.after {
            sql += " AND (timestamp_us, uuid) > (?, ?)"
            arguments += [.integer(after.timestamp.microseconds), .text(after.uuid)]
        }
        sql += " GROUP BY timestamp_us, uuid ORDER BY timestamp_us, uuid LIMIT \(query.limit)"
        let rows = try store.rawQuery(sql, arguments)
        let results: [JSONValue] = rows.map { row in
            [
                .string(row[0].string ?? ""), .string(row[1].string ?? ""), .string(row[2].string ?? ""),
                .string(ExportQuery.utcText(Timestamp(microseconds: row[3].int ?? 0))),
                .string(row[4].string ?? "{}"),
                // The sink keeps a sent `$elements_chain` in the properties, where the exporter puts it anyway.
                "",
            ]
        }
        return [
            "results": .array(results), "columns": .array(ExportQuery.columns.map { .string($0) }),
            "types": ["String", "String", "String", "String", "String", "String"],
            // PostHog fills hasMore, limit and offset only for queries without a LIMIT; the exporter's have one.
            "hasMore": nil, "limit": nil, "offset": nil, "hogql": .string(query.text),
        ]
    }
}
