import Foundation
public import PostHogCore
import PostHogKit

/// Reads a whole file of PostHog-shaped NDJSON events into memory: the simple path used by
/// `hogport send`. Imports use the streaming readers instead.
public enum NDJSONEventFile {
    /// A line that could not become an event.
    public struct Problem: Sendable {
        public var line: Int
        public var reason: String
    }

    /// Parses every line of `path` (plain or gzip).
    public static func read(path: String) throws -> (events: [PostHogEvent], problems: [Problem]) {
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        if Gzip.hasMagic(bytes) { bytes = try Gzip.decompress(bytes) }
        var events: [PostHogEvent] = []
        var problems: [Problem] = []
        var lineNumber = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            if trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            do {
                let value = try JSONParser.parse(trimmed)
                events.append(try event(from: value))
            } catch let error as JSONParseError {
                problems.append(Problem(line: lineNumber, reason: error.description))
            } catch {
                problems.append(Problem(line: lineNumber, reason: "\(error)"))
            }
        }
        return (events, problems)
    }

    struct ShapeError: Error, CustomStringConvertible {
        var description: String
    }

    static func event(from value: JSONValue) throws -> PostHogEvent {
        guard case .object(let o) = value else { throw ShapeError(description: "not a JSON object") }
        guard let name = o["event"]?.stringValue, !name.isEmpty else { throw ShapeError(description: "missing event") }
        guard let distinct = o["distinct_id"]?.stringValue, !distinct.isEmpty else { throw ShapeError(description: "missing distinct_id") }
        var timestamp: Timestamp?
        if let text = o["timestamp"]?.stringValue {
            guard let t = Timestamp(iso8601: text) else { throw ShapeError(description: "unparseable timestamp '\(text)'") }
            timestamp = t
        }
        return PostHogEvent(
            event: name, distinctId: distinct, properties: o["properties"]?.objectValue ?? [:], timestamp: timestamp,
            uuid: o["uuid"]?.stringValue, set: o["$set"]?.objectValue, setOnce: o["$set_once"]?.objectValue)
    }
}
