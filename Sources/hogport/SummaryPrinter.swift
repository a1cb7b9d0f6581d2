import Foundation
import HogportKit
import PostHogCore
import PostHogKit

/// The final summary of an import: readable text on stdout, or one JSON object.
enum SummaryPrinter {
    static func print(_ summary: ImportSummary, format: LogFormat) {
        if format == .json {
            Swift.print(JSONWriter.string(summary.json, sortedKeys: true))
            return
        }
        if summary.dryRun {
            Swift.print("dry run: nothing was sent. First mapped messages:")
            for message in summary.preview { Swift.print("  " + JSONWriter.string(message, sortedKeys: true)) }
        }
        let c = summary.counts
        if summary.localSink {
            Swift.print("NOTE:     no host was set (--host or POSTHOG_HOST): these events went to the LOCAL SINK on this machine, not to PostHog")
        }
        if summary.dryRun {
            Swift.print("mapped:   \(c.sent) messages")
        } else {
            Swift.print(
                String(
                    format: "sent:     %d events to %@ in %d requests (%.0f events per request, %d retried)", c.sent, summary.host, summary.requests,
                    summary.eventsPerRequest, summary.retries))
        }
        let kinds = MessageKind.allCases.compactMap { kind in (c.kinds[kind] ?? 0) > 0 ? "\(kind.rawValue) \(c.kinds[kind]!)" : nil }
        if !kinds.isEmpty { Swift.print("by kind:  " + kinds.joined(separator: ", ")) }
        Swift.print(
            "rows:     \(c.rows) read this run, \(c.rejected) rejected, \(c.skipped) skipped by the mapping"
                + (summary.resumedRows > 0 ? ", \(summary.resumedRows) done by earlier runs" : ""))
        if let from = summary.earliest, let to = summary.latest { Swift.print("time:     \(from.iso8601) .. \(to.iso8601)") }
        Swift.print(String(format: "duration: %.2f s, %.0f events/s", summary.seconds, summary.eventsPerSecond))
        if summary.filesSkippedAsDone > 0 { Swift.print("files:    \(summary.filesImported) imported, \(summary.filesSkippedAsDone) already done") }
        if c.rejected > 0 && !summary.dryRun { Swift.print("rejects:  \(summary.rejectsPath)") }
        if let empty = summary.noInput { Swift.print("warning:  nothing to import: \(empty)") }
        if !summary.dryRun { Swift.print("checkpoint: \(summary.checkpointPath)") }
        if summary.outOfOrder > 0 {
            Swift.print(
                "warning:  \(summary.outOfOrder) row(s) older than the row before them; PostHog prefers imports in time order (sort the input by timestamp)")
        }
        if summary.before1970 > 0 {
            Swift.print("warning:  \(summary.before1970) event(s) are timed before 1970; check the source's time unit (seconds vs milliseconds)")
        }
        for damaged in summary.damagedFiles { Swift.print("damaged:  \(damaged) (nothing of this file was sent)") }
        if let stop = summary.stopReason { Swift.print("stopped:  \(stop)") }
    }
}
