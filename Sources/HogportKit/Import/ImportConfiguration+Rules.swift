import Foundation
import PostHogKit
import PostHogCore

/// The job rules the command line does not decide: default paths, where events go, compression.
extension ImportConfiguration {
    /// Request compression as asked on the command line.
    public enum Compression: String, Sendable, CaseIterable {
        /// gzip, except to a loopback host (compressing for this machine costs CPU and saves nothing).
        case auto
        case gzip
        case none
    }

    /// Where events go when no `--host` is given.
    public enum HostChoice: Sendable, Equatable {
        /// A host from the option or `POSTHOG_HOST`.
        case host(String)
        /// No host at all: a local sink the command starts.
        case localSink
    }

    /// The host from the option, else the environment, else the local sink.
    public static func resolveHost(option: String?, environment: [String: String]) -> HostChoice {
        if let option, !option.isEmpty { return .host(option) }
        if let env = environment["POSTHOG_HOST"], !env.isEmpty { return .host(env) }
        return .localSink
    }

    /// Why `host` cannot be used, or nil.
    public static func hostProblem(_ host: String) -> String? {
        guard host.hasPrefix("http://") || host.hasPrefix("https://"), URLComponents(string: host)?.host?.isEmpty == false else {
            return "--host must be a URL starting with http:// or https:// (got \(host))"
        }
        return nil
    }

    /// `.hogport/import-<digest>.db`: one checkpoint per set of inputs, shard and destination, so
    /// the same files sent to another project (or first to the local sink, then to PostHog) are
    /// separate jobs.
    public static func defaultCheckpointPath(inputs: [String], shard: (index: Int, count: Int)?, destination: ImportDestination) -> String {
        var key = inputs.map { $0 == "-" ? "-" : URL(fileURLWithPath: $0).standardizedFileURL.path }.sorted().joined(separator: "\n")
        if let shard { key += "\n\(shard.index)/\(shard.count)" }
        key += "\n\(destination.host)\n\(destination.keyFingerprint)"
        return ".hogport/import-\(SHA1.hex(SHA1.hash(Array(key.utf8)).prefix(6))).db"
    }

    /// The rejects file next to `checkpoint`: `<checkpoint without .db>.rejects.ndjson`.
    public static func defaultRejectsPath(checkpoint: String) -> String {
        (checkpoint.hasSuffix(".db") ? String(checkpoint.dropLast(3)) : checkpoint) + ".rejects.ndjson"
    }

    /// Whether requests to `host` are gzipped under `compression`.
    public static func usesGzip(_ compression: Compression, host: String) -> Bool {
        compression == .gzip || (compression == .auto && !isLoopback(host))
    }

    /// Whether `url` names this machine.
    public static func isLoopback(_ url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host?.lowercased() else { return false }
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }
}
