import PostHogCore
public import PostHogKit
import Synchronization

/// Runs ``ExportQuery`` pages against `POST /api/projects/:id/query/` through an
/// ``HTTPTransport``: paced by a token bucket under PostHog's query limits, retried with
/// ``RetryPolicy`` (429 and 5xx, `Retry-After` as a floor), and following asynchronous queries
/// (202, or `query_status` with `complete: false`) by polling `GET …/query/:id/`.
///
/// The clock and the sleep are injected, so tests never wait.
public final class QueryClient: Sendable {
    public typealias Sleep = @Sendable (Duration) async throws -> Void

    let configuration: ExportConfiguration
    let transport: any HTTPTransport
    let sleep: Sleep
    let now: @Sendable () -> Double
    let jitter: @Sendable () -> Double
    /// The per-minute and the per-hour limits.
    private let buckets: Mutex<(minute: TokenBucket, hour: TokenBucket)>
    private let counters = Mutex<(requests: Int, retries: Int, polls: Int)>((0, 0, 0))

    /// - Parameters:
    ///   - now: seconds on any monotonic origin (the token bucket's clock).
    public init(
        configuration: ExportConfiguration, transport: any HTTPTransport, sleep: @escaping Sleep,
        now: @escaping @Sendable () -> Double = QueryClient.monotonicSeconds,
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.configuration = configuration
        self.transport = transport
        self.sleep = sleep
        self.now = now
        self.jitter = jitter
        let start = now()
        buckets = Mutex(
            (
                TokenBucket(rate: configuration.requestsPerMinute / 60, now: start),
                TokenBucket(rate: configuration.requestsPerHour / 3600, capacity: configuration.requestsPerHour / 10, now: start)
            ))
    }

    /// Seconds since an arbitrary start, from the continuous clock.
    @Sendable public static func monotonicSeconds() -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
    private static let start = ContinuousClock.now

    /// Requests sent, retries, and polls so far.
    public var requestCount: Int { counters.withLock { $0.requests } }
    public var retryCount: Int { counters.withLock { $0.retries } }
    public var pollCount: Int { counters.withLock { $0.polls } }

    /// One page: its rows, and the response's `hasMore` when it has one.
    public struct Page: Sendable {
        public var rows: [ExportRow]
        public var hasMore: Bool?
        /// The rows asked for.
        public var limit = ExportQuery.maximumLimit
    }

    enum Answer {
        case rows(Page)
        case pending(id: String)
    }

    /// One page of rows.
    public func rows(for query: ExportQuery) async throws(ExportError) -> [ExportRow] {
        try await page(for: query).rows
    }

    /// One page of rows with the server's `hasMore`.
    public func page(for query: ExportQuery) async throws(ExportError) -> Page {
        let body = JSONWriter.encode(query.body)
        let response = try await send(method: "POST", url: configuration.queryURL, body: body)
        var answer = try Self.interpret(response)
        var polls = 0
        var interval = configuration.pollInterval
        while case .pending(let id) = answer {
            polls += 1
            guard polls <= configuration.maxPolls else {
                throw ExportError(.serverFailing, "query \(id) was still running after \(configuration.maxPolls) polls; run the same command again later")
            }
            try await pause(interval)
            interval = min(interval * 2, configuration.maxPollInterval)
            counters.withLock { $0.polls += 1 }
            let polled = try await send(method: "GET", url: configuration.queryURL + Self.pathComponent(id) + "/", body: nil)
            answer = polled.status == 202 ? .pending(id: id) : try Self.interpret(polled)
        }
        guard case .rows(var page) = answer else { return Page(rows: [], hasMore: nil, limit: query.limit) }
        page.limit = query.limit
        return page
    }

    static func pathComponent(_ id: String) -> String {
        String(id.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" })
    }

    func pause(_ duration: Duration) async throws(ExportError) {
        do {
            try await sleep(duration)
        } catch {
            throw ExportError(.interrupted, "interrupted while waiting")
        }
    }

    /// Sends one request, waiting for the rate limit and retrying what is worth retrying; returns
    /// the first 2xx response.
    func send(method: String, url: String, body: [UInt8]?) async throws(ExportError) -> HTTPTransportResponse {
        var attempt = 0
        while true {
            attempt += 1
            let wait = buckets.withLock { buckets in
                let time = now()
                return max(buckets.minute.take(1, now: time), buckets.hour.take(1, now: time))
            }
            if wait > 0 { try await pause(.milliseconds(Int64(wait * 1000))) }
            let request = HTTPTransportRequest(
                method: method, url: url,
                headers: [
                    ("Authorization", "Bearer \(configuration.personalAPIKey)"), ("Content-Type", "application/json"), ("Accept", "application/json"),
                    ("User-Agent", HogportInfo.userAgent),
                ],
                body: body, timeout: configuration.requestTimeout)
            counters.withLock { $0.requests += 1 }
            let outcome: RetryPolicy.Outcome
            var response: HTTPTransportResponse?
            do {
                let answer = try await transport.send(request)
                response = answer
                outcome = .status(answer.status, retryAfter: RetryPolicy.parseRetryAfter(answer.header("Retry-After")))
            } catch let tooLarge as HTTPResponseTooLarge {
                // Asking again would get the same answer: the caller asks for fewer rows instead.
                throw ExportError(.responseTooLarge, "the query's answer was too large (\(tooLarge))")
            } catch {
                outcome = .transportError("\(error)")
            }
            switch configuration.retryPolicy.decide(outcome, attempt: attempt, jitter: jitter()) {
            case .delivered:
                return response!
            case .retry(let delay):
                counters.withLock { $0.retries += 1 }
                try await pause(delay)
            case .giveUp(let reason):
                throw ExportError(.serverFailing, "the query endpoint kept failing (\(reason), \(attempt) attempts); run the same command again later")
            case .fatalAuthentication(let status):
                throw ExportError(
                    .authentication,
                    "the server refused the personal API key (HTTP \(status)); check POSTHOG_PERSONAL_API_KEY and that it has the Query Read scope for project \(configuration.projectId)"
                )
            case .bisect, .split, .unexpected:
                let status = response?.status ?? 0
                let detail = Self.detail(response?.body ?? [])
                if status == 404 {
                    throw ExportError(
                        .usage, "no query endpoint for project \(configuration.projectId) at \(configuration.host) (HTTP 404); check --project-id and --host")
                }
                throw ExportError(.usage, "the server refused the query (HTTP \(status)): \(detail)")
            }
        }
    }

    /// A short, printable explanation from an error body.
    static func detail(_ body: [UInt8]) -> String {
        if let json = try? JSONParser.parse(body) {
            if let detail = json["detail"]?.stringValue ?? json["error"]?.stringValue ?? json["query_status"]?["error_message"]?.stringValue {
                return detail
            }
        }
        return String(decoding: body.prefix(300), as: UTF8.self)
    }

    /// What a 2xx response says: rows, or a query still running.
    static func interpret(_ response: HTTPTransportResponse) throws(ExportError) -> Answer {
        guard let json = try? JSONParser.parse(response.body) else {
            throw ExportError(.serverFailing, "the query response (HTTP \(response.status)) is not JSON")
        }
        return try interpret(json)
    }

    static func interpret(_ json: JSONValue) throws(ExportError) -> Answer {
        if case .object(let status)? = json["query_status"] {
            if status["error"]?.boolValue == true {
                // Timeouts and memory limits show up here: worth another run, with smaller pages.
                throw ExportError(
                    .serverFailing,
                    "the query failed on the server: \(status["error_message"]?.stringValue ?? "no message"); if it timed out or ran out of memory, try a smaller --page-size"
                )
            }
            if status["complete"]?.boolValue == true, let results = status["results"], results["results"] != nil {
                return try interpret(results)
            }
            if status["complete"]?.boolValue == true, json["results"] != nil {
                return try rows(json)
            }
            guard let id = status["id"]?.stringValue ?? status["id"]?.intValue.map(String.init) else {
                throw ExportError(.serverFailing, "an asynchronous query answer without a query id")
            }
            return .pending(id: id)
        }
        return try rows(json)
    }

    static func rows(_ json: JSONValue) throws(ExportError) -> Answer {
        guard case .array(let results)? = json["results"] else {
            throw ExportError(.serverFailing, "the query response has no results")
        }
        var columns: [String: Int] = [:]
        let names = json["columns"]?.arrayValue?.compactMap(\.stringValue) ?? ExportQuery.columns
        for (index, name) in names.enumerated() { columns[name] = index }
        var rows: [ExportRow] = []
        rows.reserveCapacity(results.count)
        for row in results {
            switch ExportRow.parse(row, columns: columns) {
            case .success(let parsed): rows.append(parsed)
            case .failure(let error): throw error
            }
        }
        return .rows(Page(rows: rows, hasMore: json["hasMore"]?.boolValue))
    }
}
