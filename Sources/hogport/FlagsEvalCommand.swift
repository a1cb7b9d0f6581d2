import ArgumentParser
import Foundation
import HogportKit
import PostHogCore
import PostHogKit

struct FlagsEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate every flag locally for subjects, from a snapshot or a definitions file.",
        discussion: """
            Reads JSON Lines of subjects {distinct_id, groups?, person_properties?, group_properties?, \
            device_id?} from --input (or - for stdin) and writes one line per subject, in order: \
            {"distinct_id", "flags": {key: true|false|"variant"}, "payloads": {key: json}, \
            "inconclusive": {key: reason}}. Without --input, evaluates the one subject given by \
            --distinct-id and the property options. Never contacts PostHog.

            Examples:
              hogport flags eval --snapshot flags/ --input users.jsonl > answers.jsonl
              hogport flags eval --definitions definitions.json --distinct-id user-1
            """
    )

    @Option(help: "A snapshot directory written by `hogport flags snapshot`.")
    var snapshot: String?

    @Option(help: "A /flags/definitions response saved as a file.")
    var definitions: String?

    @Option(help: "JSON Lines of subjects; - reads standard input.")
    var input: String?

    @Flag(help: "Evaluate locally only (always the case here; accepted for symmetry with the library).")
    var onlyLocal = false

    @Option(help: "The subject's distinct id (without --input).")
    var distinctId: String?

    @Option(name: .customLong("person-property"), help: "A person property as key=value (repeatable; the value is read as JSON when it parses).")
    var personProperties: [String] = []

    @Option(name: .customLong("group"), help: "A group as type=key (repeatable).")
    var groups: [String] = []

    @Option(name: .customLong("group-property"), help: "A group property as type.key=value (repeatable).")
    var groupProperties: [String] = []

    func validate() throws {
        guard (snapshot == nil) != (definitions == nil) else {
            throw ValidationError("give exactly one of --snapshot DIR or --definitions FILE")
        }
        guard (input == nil) != (distinctId == nil) else {
            throw ValidationError("give --input FILE (or -) for many subjects, or --distinct-id for one")
        }
    }

    func run() async throws {
        let json: JSONValue
        if let snapshot {
            do {
                json = try FlagSnapshot(directory: snapshot).readDefinitions()
            } catch {
                throw CommandFailure(message: "\(error)", code: ExitCodes.unreadableInput)
            }
        } else {
            let path = definitions!
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure(message: "cannot read \(path)", code: ExitCodes.unreadableInput)
            }
            do {
                json = try JSONParser.parse(Array(data))
            } catch {
                throw CommandFailure(message: "\(path): \(error)", code: ExitCodes.unreadableInput)
            }
        }
        let runner: FlagBatchEvaluator
        do {
            runner = try FlagBatchEvaluator(definitions: json)
        } catch {
            throw CommandFailure(message: "\(snapshot ?? definitions ?? ""): not flag definitions: \(error)", code: ExitCodes.unreadableInput)
        }
        if let input {
            let handle: FileHandle
            if input == "-" {
                handle = .standardInput
            } else {
                guard let file = FileHandle(forReadingAtPath: input) else {
                    throw CommandFailure(message: "cannot read \(input)", code: ExitCodes.unreadableInput)
                }
                handle = file
            }
            do {
                try runner.run(input: handle, output: .standardOutput)
            } catch let error as FlagBatchEvaluator.LineError {
                throw CommandFailure(message: "\(input == "-" ? "stdin" : input):\(error.line): \(error.reason)", code: ExitCodes.unreadableInput)
            }
            return
        }
        var subject = FlagSubject(distinctId: distinctId!)
        for pair in personProperties {
            let (k, v) = try Self.split(pair, option: "--person-property")
            subject.personProperties[k] = v
        }
        for pair in groups {
            let (k, v) = try Self.split(pair, option: "--group")
            subject.groups[k] = v.stringValue ?? JSONWriter.string(v)
        }
        for pair in groupProperties {
            let (path, v) = try Self.split(pair, option: "--group-property")
            guard let dot = path.firstIndex(of: ".") else { throw ValidationError("--group-property takes type.key=value (got \(pair))") }
            subject.groupProperties[String(path[..<dot]), default: [:]][String(path[path.index(after: dot)...])] = v
        }
        print(JSONWriter.string(runner.answer(for: subject), sortedKeys: true))
    }

    static func split(_ pair: String, option: String) throws -> (String, JSONValue) {
        guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
            throw ValidationError("\(option) takes key=value (got \(pair))")
        }
        let key = String(pair[..<eq])
        let text = String(pair[pair.index(after: eq)...])
        let value = (try? JSONParser.parse(text)) ?? .string(text)
        return (key, value)
    }
}
