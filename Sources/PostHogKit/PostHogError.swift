/// An error from PostHogKit, with what to do about it in its description.
///
/// Match on ``kind`` for a closed set of causes; the struct may gain fields without breaking you.
public struct PostHogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The cause, without details: usable as a log or metric label.
    public enum Kind: String, Sendable, Equatable {
        /// The server refused the project API key (401/403). Not retried.
        case authentication
        /// The server kept failing (network errors, timeouts, 408/429/5xx) past the retry budget.
        case deliveryFailed
        /// The server rejected specific events (400 after bisection, or 413 for a single event).
        case eventsRejected
        /// An event is larger than PostHog accepts (1 MB) and was never sent.
        case eventTooLarge
        /// The queue stayed full longer than the caller may wait; the events were dropped.
        case queueFull
        /// The host kept failing, so the circuit breaker is open; the events were dropped.
        case hostUnavailable
        /// The client was shut down; nothing more is accepted.
        case shutDown
        /// Shutdown reached its deadline with events still unsent; they were dropped.
        case shutdownTimedOut
        /// The server answered with a status this client does not expect (for example 404).
        case unexpectedStatus
        /// A configuration value is unusable (for example a malformed host).
        case invalidConfiguration
        /// A response could not be decoded.
        case invalidResponse
        /// The task was cancelled before delivery finished.
        case cancelled
        /// Fetching feature flag definitions for local evaluation failed; the last ones are kept.
        case flagDefinitionsFailed
        /// The personal API key (or project secret key) was refused fetching flag definitions.
        case personalApiKeyRefused
        /// Asking PostHog to evaluate flags (`/flags`) failed; the flag reads got no server value.
        case remoteFlagsFailed
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
        if let advice = Self.advice[kind] { text += ". " + advice }
        return text
    }

    private static let advice: [Kind: String] = [
        .authentication: "Check the project API key and the host: the key must belong to that host's project.",
        .deliveryFailed: "The server or network kept failing; the events were not delivered.",
        .queueFull: "Raise maxQueueSize or captureTimeout, or send fewer events.",
        .hostUnavailable: "The host keeps failing; the client probes it again later and sends once it answers.",
        .shutdownTimedOut: "Raise the shutdown timeout to give the queue more time to drain.",
        .eventTooLarge: "Remove large properties; PostHog accepts events up to 1 MB.",
        .unexpectedStatus: "Check the host: it should be the PostHog ingestion host, such as https://us.i.posthog.com.",
        .personalApiKeyRefused: "Check the personal API key and its feature_flag:read scope; flags are evaluated remotely meanwhile.",
    ]
}
