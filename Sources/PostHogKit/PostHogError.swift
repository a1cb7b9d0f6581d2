/// An error from PostHogKit, with what to do about it in its description.
///
/// Match on ``kind`` for a closed set of causes; the struct may gain fields without breaking you.
public struct PostHogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The cause, without details: usable as a log or metric label.
    public enum Kind: String, Sendable, Equatable {
        /// The server refused the API key (401/403). Not retried.
        case authentication
        /// The server kept failing (network errors, timeouts, 408/429/5xx) past the retry budget.
        case deliveryFailed
        /// The server rejected specific events (400 after bisection, or 413 for a single event).
        case eventsRejected
        /// An event is larger than PostHog accepts (1 MB) and was never sent.
        case eventTooLarge
        /// The queue is full and the caller asked not to wait.
        case queueFull
        /// The client was shut down; nothing more is accepted.
        case shutDown
        /// The server answered with a status this client does not expect (for example 404).
        case unexpectedStatus
        /// A configuration value is unusable (for example a malformed host).
        case invalidConfiguration
        /// A response could not be decoded.
        case invalidResponse
        /// The task was cancelled before delivery finished.
        case cancelled
    }

    /// The cause.
    public var kind: Kind
    /// Details in words.
    public var message: String
    /// The HTTP status involved, when there was one.
    public var status: Int?
    /// How many events the error concerns (dropped, rejected or not delivered).
    public var eventCount: Int

    public init(_ kind: Kind, _ message: String, status: Int? = nil, eventCount: Int = 0) {
        self.kind = kind
        self.message = message
        self.status = status
        self.eventCount = eventCount
    }

    /// The cause as a short label (`authentication`, `deliveryFailed`, ...).
    public var shortDescription: String { kind.rawValue }

    public var description: String {
        var text = message
        if let status { text += " (HTTP \(status))" }
        switch kind {
        case .authentication:
            text += ". Check the project API key (POSTHOG_API_KEY) and the host: the key must belong to that host's project."
        case .deliveryFailed:
            text += ". The server or network kept failing; try again later (an import resumes from its checkpoint)."
        case .queueFull:
            text += ". Call flush() or use the waiting capture, or raise maxQueueSize."
        case .eventTooLarge:
            text += ". Remove large properties; PostHog accepts events up to 1 MB."
        case .unexpectedStatus:
            text += ". Check the host URL: it should be the PostHog ingestion host, e.g. https://us.i.posthog.com."
        default:
            break
        }
        return text
    }
}
