import ArgumentParser
import Foundation
import HogportKit
import PostHogCore
import Synchronization

enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    case auto
    case always
    case never
}

/// Shows a running import: a one-line bar on a terminal (rows read/sent/rejected, events/s,
/// percent of bytes, ETA), or a JSON line every few seconds when stderr is not a terminal.
final class ProgressReporter: Sendable {
    let bar: Bool
    let lines: Bool
    let format: LogFormat
    let started = Date()
    private let last = Mutex<(time: Date, sent: Int, rate: Double)>((Date(), 0, 0))

    init(mode: ProgressMode, logFormat: LogFormat) {
        let tty = isatty(2) == 1
        bar = mode == .always || (mode == .auto && tty && logFormat == .text)
        lines = !bar && mode != .never
        format = logFormat
    }

    var interval: Duration { bar ? .milliseconds(200) : .seconds(5) }

    func report(_ p: ImportProgress) {
        let now = Date()
        let rate = last.withLock { state -> Double in
            let dt = now.timeIntervalSince(state.time)
            guard dt >= 1 else { return state.rate }
            let instant = Double(p.eventsSent - state.sent) / dt
            let smoothed = state.rate == 0 ? instant : 0.7 * state.rate + 0.3 * instant
            state = (now, p.eventsSent, smoothed)
            return smoothed
        }
        let fraction = p.bytesTotal > 0 ? min(1, Double(p.bytesRead) / Double(p.bytesTotal)) : 0
        let elapsed = now.timeIntervalSince(started)
        let eta = fraction > 0.01 ? elapsed / fraction - elapsed : nil
        if bar {
            let width = 24
            let filled = Int(fraction * Double(width))
            let barText = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            var text = String(
                format: "\r[%@] %3.0f%%  read %d  sent %d  rejected %d  %.0f ev/s  ETA %@  ", barText, fraction * 100, p.rowsRead, p.eventsSent,
                p.rejected, rate, eta.map(Self.clock) ?? "--:--")
            if p.retries > 0 { text += "retries \(p.retries) (\(p.host): \(p.lastError ?? "failing"))  " }
            FileHandle.standardError.write(Data(text.utf8))
        } else if lines {
            var object: [String: Any] = [
                "ts": ISO8601DateFormatter().string(from: now), "level": "info", "msg": "progress", "rows_read": p.rowsRead, "sent": p.eventsSent,
                "rejected": p.rejected, "skipped": p.skipped, "events_per_second": Int(rate), "percent": Int(fraction * 100),
                "file": p.currentFile, "files_done": p.filesDone, "files_total": p.filesTotal, "in_flight": p.inFlight,
                "concurrency": p.concurrencyLimit, "retries": p.retries, "requests": p.requests, "host": p.host,
            ]
            if let error = p.lastError { object["last_error"] = error }
            if let eta { object["eta_seconds"] = Int(eta) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            FileHandle.standardError.write(data + Data("\n".utf8))
        }
    }

    func finish(_ p: ImportProgress) {
        if bar {
            report(p)
            FileHandle.standardError.write(Data("\n".utf8))
        }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds)
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }
}
