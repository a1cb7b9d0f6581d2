/// Why a row could not become a PostHog message; the text goes to the rejects file.
public struct MappingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
