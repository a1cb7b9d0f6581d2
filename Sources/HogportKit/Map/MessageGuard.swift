import PostHogKit
public import PostHogCore

/// Refuses values that are valid JSON but would do damage in PostHog: a blank distinct id, a
/// placeholder word used as one (every row with it would merge into one person), and a time in the
/// future (PostHog moves such events to the moment it receives them).
public struct MessageGuard: Sendable {
    /// The latest event time accepted: the run's start plus the allowed skew.
    public var latestTimestamp: Timestamp
    /// Whether placeholder distinct ids (``placeholderIds``) are let through.
    public var allowPlaceholderIds: Bool

    public init(latestTimestamp: Timestamp, allowPlaceholderIds: Bool = false) {
        self.latestTimestamp = latestTimestamp
        self.allowPlaceholderIds = allowPlaceholderIds
    }

    /// Distinct ids that stand for "nobody" in exports (compared case-insensitively).
    public static let placeholderIds: Set<String> = [
        "null", "undefined", "none", "nil", "nan", "anonymous", "guest", "[object object]", "0", "-1",
        "true", "false", "distinct_id", "distinctid", "id", "user_id", "not_authenticated", "unknown",
        "email", "n/a", "na", "\"\"", "''",
    ]

    /// Why a message with this distinct id and time must not be sent, or nil.
    public func problem(distinctId: String, timestamp: Timestamp?) -> String? {
        if distinctId.allSatisfy(\.isWhitespace) {
            return "the distinct id is blank"
        }
        if !allowPlaceholderIds, distinctId.utf8.count <= 17, Self.placeholderIds.contains(distinctId.lowercased()) {
            return
                "the distinct id '\(distinctId)' is a placeholder, not a person (it would merge every such row into one person; --allow-placeholder-ids sends it)"
        }
        if let timestamp, timestamp > latestTimestamp {
            return
                "the timestamp \(timestamp.iso8601) is in the future (after \(latestTimestamp.iso8601); PostHog would record it as the time it arrives; --max-future sets the allowance)"
        }
        return nil
    }
}
