import ArgumentParser
import Foundation
import Logging
import Synchronization

/// How log lines on stderr look.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// hogport's stderr logging: plain text or one JSON object per line (for cron and log shippers),
/// with every known secret redacted from every line.
enum CLILogging {
    /// Values that must never appear in output (API keys from the environment and arguments).
    static let secrets = Mutex<[String]>([])

    static func registerSecret(_ value: String?) {
        guard let value, value.count >= 6 else { return }
        secrets.withLock { $0.append(value) }
    }

    static func redact(_ text: String) -> String {
        var out = text
        for secret in secrets.withLock({ $0 }) where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: String(secret.prefix(4)) + "…[redacted]")
        }
        return out
    }

    static func logger(label: String, format: LogFormat, level: Logger.Level = .info) -> Logger {
        let env = ProcessInfo.processInfo.environment
        registerSecret(env["POSTHOG_API_KEY"])
        registerSecret(env["POSTHOG_PERSONAL_API_KEY"])
        var logger = Logger(label: label) { label in StderrLogHandler(label: label, format: format) }
        logger.logLevel = env["HOGPORT_DEBUG"] != nil ? .debug : level
        return logger
    }
}

struct StderrLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let line: String
        switch format {
        case .text:
            let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "hogport: \(event.level == .info || event.level == .notice ? "" : "\(event.level): ")\(event.message)\(fields.isEmpty ? "" : " (\(fields))")"
        case .json:
            var object: [String: Any] = ["ts": ISO8601DateFormatter().string(from: Date()), "level": "\(event.level)", "msg": "\(event.message)"]
            for (k, v) in all { object[k] = "\(v)" }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        FileHandle.standardError.write(Data((CLILogging.redact(line) + "\n").utf8))
    }
}
