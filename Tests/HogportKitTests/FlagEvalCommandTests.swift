import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// The answer lines of an eval run, parsed.
private func answerLines(_ stdout: String) throws -> [JSONValue] {
    try stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { try JSONParser.parse(Array($0.utf8)) }
}

/// Checks one eval answer against one vector case; returns the mismatches.
private func mismatches(_ answer: JSONValue, _ c: FlagVectorCase) -> [String] {
    var out: [String] = []
    let flags = answer["flags"]?.objectValue ?? [:]
    let inconclusive = answer["inconclusive"]?.objectValue ?? [:]
    let payloads = answer["payloads"]?.objectValue ?? [:]
    if answer["distinct_id"] != .string(c.distinctId) { out.append("\(c.caseId): distinct_id \(String(describing: answer["distinct_id"]))") }
    if c.isInconclusive {
        if flags[c.flagKey] != nil { out.append("\(c.caseId) \(c.flagKey): value \(flags[c.flagKey]!) for an inconclusive case") }
        if inconclusive[c.flagKey] == nil { out.append("\(c.caseId) \(c.flagKey): not reported inconclusive") }
        if let reason = c.expectedReason, inconclusive[c.flagKey] != .string(reason) {
            out.append("\(c.caseId) \(c.flagKey): reason \(String(describing: inconclusive[c.flagKey])) != \(reason)")
        }
    } else {
        if flags[c.flagKey] != c.expected { out.append("\(c.caseId) \(c.flagKey): \(String(describing: flags[c.flagKey])) != \(c.expected)") }
        if inconclusive[c.flagKey] != nil { out.append("\(c.caseId) \(c.flagKey): reported inconclusive") }
    }
    if payloads[c.flagKey] != c.expectedPayloadValue {
        out.append("\(c.caseId) \(c.flagKey): payload \(String(describing: payloads[c.flagKey])) != \(c.expectedPayload)")
    }
    return out
}

/// Small definitions for single-subject runs: pro (plan == pro), big-company (company seats > 100,
/// group flag), needs-country (country == JP), with a payload on pro.
private let smallDefinitions = FlagJSON.definitions([
    FlagJSON.flag(id: 1, key: "pro", conditions: [FlagJSON.condition([FlagJSON.property("plan", ["pro"])])], payloads: ["true": "{\"tier\":2}"]),
    FlagJSON.flag(
        id: 2, key: "big-company",
        conditions: [FlagJSON.condition([["key": "seats", "value": 100, "operator": "gt", "type": "group", "group_type_index": 0]])],
        aggregationGroupTypeIndex: 0),
    FlagJSON.flag(id: 3, key: "needs-country", conditions: [FlagJSON.condition([FlagJSON.property("country", ["JP"])])]),
])

@Suite("hogport flags eval (real processes)")
struct FlagEvalCommandTests {
    @Test("All 2,048 public cases through the CLI: one answer line per input line, in order, values, inconclusive and payloads as expected")
    func conformanceThroughCLI() async throws {
        let directory = try TemporaryDirectory(prefix: "flag-eval")
        defer { directory.remove() }
        let raw = try FlagVectors.definitionsBytes()
        let snapshot = directory.file("snapshot")
        _ = try FlagSnapshot(directory: snapshot).write(definitions: try JSONParser.parse(raw), raw: raw)
        let cases = try FlagVectors.cases()
        #expect(cases.count == 2048)
        let input = try directory.write("cases.jsonl", cases.map { JSONWriter.string($0.json) }.joined(separator: "\n") + "\n")

        let result = try await FlagCLIProcess.run(["flags", "eval", "--snapshot", snapshot, "--input", input])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let answers = try answerLines(result.stdout)
        try #require(answers.count == cases.count, "one line per input line")
        var failures: [String] = []
        for (answer, c) in zip(answers, cases) { failures += mismatches(answer, c) }
        #expect(failures.isEmpty, "\(failures.count) mismatches, first: \(failures.prefix(10).joined(separator: "; "))")

        // The same through --definitions and standard input.
        let viaStdin = try await FlagCLIProcess.run(
            ["flags", "eval", "--definitions", directory.file("snapshot/definitions.json"), "--input", "-"], stdin: input)
        #expect(viaStdin.status == 0, "stderr: \(viaStdin.stderr)")
        #expect(viaStdin.stdout == result.stdout)
    }

    @Test("Answer lines have sorted keys and exactly distinct_id, flags, payloads, inconclusive")
    func answerShape() async throws {
        let directory = try TemporaryDirectory(prefix: "flag-eval")
        defer { directory.remove() }
        let definitions = try directory.write("d.json", FlagJSON.bytes(smallDefinitions))
        let input = try directory.write(
            "in.jsonl",
            [
                #"{"distinct_id":"u1","person_properties":{"plan":"pro"},"ignored":true}"#,
                #"{"distinct_id":"u2","person_properties":{"plan":"free","country":"JP"},"groups":{"company":"acme"},"group_properties":{"company":{"seats":250}}}"#,
                // Blank lines get no answer line (FlagBatchEvaluator.run documents this; docs/flags.md
                // says answers match input positions, which only holds without blank lines).
                "", "   \r",
                #"{"distinct_id":42}"#,
            ].joined(separator: "\n"))
        let result = try await FlagCLIProcess.run(["flags", "eval", "--definitions", definitions, "--input", input])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "a last line without a newline is answered too")
        #expect(
            lines[0]
                == #"{"distinct_id":"u1","flags":{"big-company":false,"pro":true},"inconclusive":{"needs-country":"missing_context"},"payloads":{"pro":{"tier":2}}}"#
        )
        let second = try JSONParser.parse(Array(lines[1].utf8))
        #expect(second["flags"] == ["pro": false, "big-company": true, "needs-country": true])
        #expect(second["inconclusive"] == .object([:]))
        #expect(second["payloads"] == .object([:]))
        #expect(try JSONParser.parse(Array(lines[2].utf8))["distinct_id"] == "42")
    }

    @Test("One subject from the command line: --distinct-id with --person-property, --group and --group-property (values read as JSON when they parse)")
    func singleSubject() async throws {
        let directory = try TemporaryDirectory(prefix: "flag-eval")
        defer { directory.remove() }
        let definitions = try directory.write("d.json", FlagJSON.bytes(smallDefinitions))
        let base = ["flags", "eval", "--definitions", definitions, "--distinct-id", "u1"]

        let big = try await FlagCLIProcess.run(
            base + ["--person-property", "plan=pro", "--group", "company=acme", "--group-property", "company.seats=250"])
        #expect(big.status == 0, "stderr: \(big.stderr)")
        let answer = try JSONParser.parse(Array(big.stdout.utf8))
        #expect(answer["distinct_id"] == "u1")
        #expect(answer["flags"]?["pro"] == true)
        #expect(answer["flags"]?["big-company"] == true)
        #expect(answer["payloads"]?["pro"] == ["tier": 2])
        #expect(answer["inconclusive"]?["needs-country"] == "missing_context")

        let small = try await FlagCLIProcess.run(
            base + ["--person-property", "plan=free", "--person-property", "country=JP", "--group", "company=acme", "--group-property", "company.seats=40"])
        #expect(small.status == 0, "stderr: \(small.stderr)")
        let smallAnswer = try JSONParser.parse(Array(small.stdout.utf8))
        #expect(smallAnswer["flags"] == ["pro": false, "big-company": false, "needs-country": true])

        // Without the group, the group flag is false (not inconclusive).
        let noGroup = try await FlagCLIProcess.run(base + ["--person-property", "plan=pro", "--group-property", "company.seats=250"])
        #expect(try JSONParser.parse(Array(noGroup.stdout.utf8))["flags"]?["big-company"] == false)

        // Malformed pairs are usage errors.
        for bad in [["--person-property", "plan"], ["--group-property", "seats=3"], ["--person-property", "=x"]] {
            let result = try await FlagCLIProcess.run(base + bad)
            #expect(result.status == 2, "\(bad): stderr: \(result.stderr)")
        }
    }

    @Test("A vectors subject given on the command line gets the vectors' answers, the same as through --input")
    func singleSubjectMatchesVectors() async throws {
        let directory = try TemporaryDirectory(prefix: "flag-eval")
        defer { directory.remove() }
        let definitions = try directory.write("d.json", try FlagVectors.definitionsBytes())
        let cases = try FlagVectors.cases(forDistinctId: "user_12")
        let s = try #require(cases.first)
        try #require(s.deviceId == nil, "the command line takes no device id")
        var arguments = ["flags", "eval", "--definitions", definitions, "--distinct-id", s.distinctId]
        // Every value as JSON text, so strings that look like JSON stay strings.
        for (key, value) in s.personProperties.sorted(by: { $0.key < $1.key }) { arguments += ["--person-property", "\(key)=\(JSONWriter.string(value))"] }
        for (type, key) in s.groups.sorted(by: { $0.key < $1.key }) { arguments += ["--group", "\(type)=\(key)"] }
        for (type, properties) in s.groupProperties.sorted(by: { $0.key < $1.key }) {
            for (key, value) in properties.sorted(by: { $0.key < $1.key }) { arguments += ["--group-property", "\(type).\(key)=\(JSONWriter.string(value))"] }
        }
        let result = try await FlagCLIProcess.run(arguments)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let answer = try JSONParser.parse(Array(result.stdout.utf8))
        var failures: [String] = []
        for c in cases { failures += mismatches(answer, c) }
        #expect(failures.isEmpty, "\(failures)")

        let input = try directory.write("one.jsonl", JSONWriter.string(s.subjectJSON) + "\n")
        let batch = try await FlagCLIProcess.run(["flags", "eval", "--definitions", definitions, "--input", input])
        #expect(batch.status == 0)
        #expect(batch.stdout == result.stdout, "--distinct-id and --input agree")
    }

    @Test("A malformed input line exits 5 and names the file and line")
    func malformedLine() async throws {
        let directory = try TemporaryDirectory(prefix: "flag-eval")
        defer { directory.remove() }
        let definitions = try directory.write("d.json", FlagJSON.bytes(smallDefinitions))
        for (lines, number, words) in [
            ([#"{"distinct_id":"u1"}"#, "{not json", #"{"distinct_id":"u3"}"#], 2, ""),
            ([#"{"distinct_id":"u1"}"#, #"{"distinct_id":"u2"}"#, #"{"groups":{}}"#], 3, "distinct_id"),
            ([#"["u1"]"#], 1, "object"),
            ([#"{"distinct_id":"u1","person_properties":[1]}"#], 1, "person_properties"),
            ([#"{"distinct_id":"u1","group_properties":{"company":3}}"#], 1, "group_properties"),
        ] {
            let input = try directory.write("in.jsonl", lines.joined(separator: "\n") + "\n")
            let result = try await FlagCLIProcess.run(["flags", "eval", "--definitions", definitions, "--input", input])
            #expect(result.status == 5, "\(lines): stderr \(result.stderr)")
            #expect(result.stderr.contains("\(input):\(number):"), "names line \(number): \(result.stderr)")
            if !words.isEmpty { #expect(result.stderr.contains(words), "\(result.stderr)") }
        }
    }

    @Test("Usage errors exit 2; an unreadable definitions file or a missing snapshot exits 5 (not 1, which means 'changed')")
    func usageAndInputErrors() async throws {
        let directory = try TemporaryDirectory(prefix: "flag-eval")
        defer { directory.remove() }
        let definitions = try directory.write("d.json", FlagJSON.bytes(smallDefinitions))
        let input = try directory.write("in.jsonl", #"{"distinct_id":"u1"}"# + "\n")
        let usage: [[String]] = [
            ["flags", "eval", "--input", input],
            ["flags", "eval", "--definitions", definitions, "--snapshot", directory.path, "--input", input],
            ["flags", "eval", "--definitions", definitions],
            ["flags", "eval", "--definitions", definitions, "--input", input, "--distinct-id", "u1"],
        ]
        for arguments in usage {
            let result = try await FlagCLIProcess.run(arguments)
            #expect(result.status == 2, "\(arguments): stderr \(result.stderr)")
        }
        let missingFile = try await FlagCLIProcess.run(["flags", "eval", "--definitions", directory.file("nope.json"), "--input", input])
        #expect(missingFile.status == 5, "stderr: \(missingFile.stderr)")
        let badFile = try directory.write("bad.json", "{oops")
        let unreadable = try await FlagCLIProcess.run(["flags", "eval", "--definitions", badFile, "--input", input])
        #expect(unreadable.status == 5, "stderr: \(unreadable.stderr)")
        let missingInput = try await FlagCLIProcess.run(["flags", "eval", "--definitions", definitions, "--input", directory.file("nope.jsonl")])
        #expect(missingInput.status == 5, "stderr: \(missingInput.stderr)")

        let missingSnapshot = try await FlagCLIProcess.run(["flags", "eval", "--snapshot", directory.file("no-snapshot"), "--input", input])
        #expect(missingSnapshot.stderr.contains("hogport flags snapshot"), "the error says how to make one: \(missingSnapshot.stderr)")
        try FileManager.default.createDirectory(atPath: directory.file("broken-snapshot"), withIntermediateDirectories: true)
        try directory.write("broken-snapshot/definitions.json", "{oops")
        let brokenSnapshot = try await FlagCLIProcess.run(["flags", "eval", "--snapshot", directory.file("broken-snapshot"), "--input", input])
        let notDefinitions = try directory.write("not-definitions.json", #"{"x":1}"#)
        let wrongShape = try await FlagCLIProcess.run(["flags", "eval", "--definitions", notDefinitions, "--input", input])
        for result in [missingSnapshot, brokenSnapshot, wrongShape] {
            #expect(result.status != 0 && result.stdout.isEmpty, "stderr: \(result.stderr)")
        }
        do {
            #expect(missingSnapshot.status == 5, "a missing snapshot is unreadable input; stderr: \(missingSnapshot.stderr)")
            #expect(brokenSnapshot.status == 5, "stderr: \(brokenSnapshot.stderr)")
            #expect(wrongShape.status == 5, "stderr: \(wrongShape.stderr)")
        }
    }
}
