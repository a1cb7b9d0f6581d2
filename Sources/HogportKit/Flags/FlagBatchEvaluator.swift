public import PostHogCore
import PostHogKit
public import Foundation

/// Evaluates every flag for subjects read as JSON Lines and writes one answer line per input
/// line: what `hogport flags eval` runs, and how a conformance check can drive the evaluator.
public struct FlagBatchEvaluator: Sendable {
    public let evaluator: FlagEvaluator
    /// Flag keys in definition order (answers list them in sorted order anyway).
    public let now: Date

    public init(definitions: JSONValue, now: Date = Date()) throws {
        evaluator = FlagEvaluator(definitions: try FlagDefinitions(json: definitions))
        self.now = now
    }

    /// A subject line that could not be read.
    public struct LineError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Parses one subject object.
    public static func subject(from value: JSONValue, line: Int) throws(LineError) -> FlagSubject {
        guard case .object(let object) = value else { throw LineError(line: line, reason: "a subject must be a JSON object") }
        let distinctId: String
        switch object["distinct_id"] {
        case .string(let s)? where !s.isEmpty: distinctId = s
        case .int(let i)?: distinctId = String(i)
        default: throw LineError(line: line, reason: "distinct_id is missing or empty")
        }
        var groups: [String: String] = [:]
        for (type, key) in object["groups"]?.objectValue ?? [:] {
            switch key {
            case .string(let s): groups[type] = s
            case .null: continue
            default: groups[type] = JSONWriter.string(key)
            }
        }
        var groupProperties: [String: [String: JSONValue]] = [:]
        for (type, props) in object["group_properties"]?.objectValue ?? [:] {
            guard let props = props.objectValue else { throw LineError(line: line, reason: "group_properties.\(type) must be an object") }
            groupProperties[type] = props
        }
        if let props = object["person_properties"], props.objectValue == nil, !props.isNull {
            throw LineError(line: line, reason: "person_properties must be an object")
        }
        return FlagSubject(
            distinctId: distinctId, groups: groups, personProperties: object["person_properties"]?.objectValue ?? [:],
            groupProperties: groupProperties, deviceId: object["device_id"]?.stringValue)
    }

    /// The answer for one subject: `{distinct_id, flags, payloads, inconclusive}`.
    public func answer(for subject: FlagSubject) -> JSONValue {
        var flags: [String: JSONValue] = [:]
        var payloads: [String: JSONValue] = [:]
        var inconclusive: [String: JSONValue] = [:]
        for (key, evaluation) in evaluator.evaluateAll(for: subject, now: now) {
            switch evaluation {
            case .decided(let value, let payload):
                flags[key] = value.jsonValue
                if let payload { payloads[key] = payload }
            case .inconclusive(let reason):
                inconclusive[key] = .string(reason.rawValue)
            }
        }
        return [
            "distinct_id": .string(subject.distinctId), "flags": .object(flags), "payloads": .object(payloads),
            "inconclusive": .object(inconclusive),
        ]
    }

    /// Reads subjects from `input` line by line and writes answers to `output`.
    ///
    /// - Returns: the number of subjects answered.
    /// - Throws: ``LineError`` for the first unreadable line (empty lines are skipped, and get no
    ///   answer line).
    @discardableResult
    public func run(input: FileHandle, output: FileHandle) throws -> Int {
        var pending: [UInt8] = []
        var lineNumber = 0
        var answered = 0
        var out: [UInt8] = []
        func process(_ line: ArraySlice<UInt8>) throws {
            lineNumber += 1
            var line = line
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            let value: JSONValue
            do {
                value = try JSONParser.parse(line)
            } catch {
                // Answers already computed are written before stopping.
                if !out.isEmpty { output.write(Data(out)) }
                out.removeAll()
                throw LineError(line: lineNumber, reason: error.description)
            }
            let subject: FlagSubject
            do {
                subject = try Self.subject(from: value, line: lineNumber)
            } catch {
                if !out.isEmpty { output.write(Data(out)) }
                out.removeAll()
                throw error
            }
            var writer = JSONWriter(capacity: 512, sortedKeys: true)
            writer.write(answer(for: subject))
            out.append(contentsOf: writer.bytes)
            out.append(UInt8(ascii: "\n"))
            answered += 1
            if out.count > 64 * 1024 {
                output.write(Data(out))
                out.removeAll(keepingCapacity: true)
            }
        }
        while true {
            let chunk = input.readData(ofLength: 64 * 1024)
            if chunk.isEmpty { break }
            pending.append(contentsOf: chunk)
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                try process(pending[start..<newline])
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        if !pending.isEmpty { try process(pending[...]) }
        if !out.isEmpty { output.write(Data(out)) }
        return answered
    }
}
