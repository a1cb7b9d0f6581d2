import PostHogKit
import PostHogCore

/// Where an import job sends its rows: the host and a fingerprint of the project key. A checkpoint
/// records it, so the same checkpoint is never resumed against another project (its rows would be
/// counted as done without ever reaching it).
public struct ImportDestination: Sendable, Equatable {
    /// The host as given, without trailing slashes and lowercased.
    public var host: String
    /// The first 12 hex digits of the key's SHA-1: enough to tell keys apart, useless to an attacker.
    public var keyFingerprint: String

    public init(host: String, keyFingerprint: String) {
        self.host = host
        self.keyFingerprint = keyFingerprint
    }

    public init(host: String, apiKey: String) {
        var normalized = Substring(host.lowercased())
        while normalized.hasSuffix("/") { normalized.removeLast() }
        self.host = String(normalized)
        keyFingerprint = SHA1.hex(SHA1.hash(Array(apiKey.utf8)).prefix(6))
    }

    /// The local sink a run starts when no host is set: its port changes every run, so only this
    /// marker is recorded.
    public static func localSink(apiKey: String) -> ImportDestination {
        ImportDestination(host: "local-sink", apiKey: apiKey)
    }
}
