import Foundation
import PostHogCore
import Testing

/// Runs every case of the conformance vectors (produced by posthog-python 7.91.1) and
/// compares value, inconclusive-or-not, reason and decoded payload.
@Suite("Flag conformance vectors")
struct FlagConformanceTests {
    @Test("every case matches posthog-python", arguments: ["public", "public-pmv2", "consistency"])
    func vectorSet(_ set: String) throws {
        let evaluator = FlagEvaluator(definitions: try FlagVectors.definitions(set))
        let cases = try FlagVectors.lines(set, "cases.jsonl").map(FlagVectors.Case.init)
        #expect(!cases.isEmpty, "no cases found for \(set)")
        let now = Date()
        var mismatches: [String] = []
        for testCase in cases {
            let actual = evaluator.evaluate(testCase.flagKey, for: testCase.subject, now: now)
            if let mismatch = testCase.mismatch(actual) { mismatches.append(mismatch) }
        }
        let shown = mismatches.prefix(40).joined(separator: "\n")
        #expect(
            mismatches.isEmpty,
            "\(mismatches.count) of \(cases.count) \(set) cases differ:\n\(shown)")
    }

    @Test("the vector sets have the documented sizes")
    func caseCounts() throws {
        #expect(try FlagVectors.lines("public", "cases.jsonl").count == 2048)
        #expect(try FlagVectors.lines("public-pmv2", "cases.jsonl").count == 1000)
        #expect(try FlagVectors.lines("consistency", "cases.jsonl").count == 2000)
        #expect(try FlagVectors.lines("consistency", "hashes.jsonl").count == 200)
    }

    @Test("evaluateAll agrees with single evaluations", arguments: ["public", "public-pmv2"])
    func evaluateAllAgrees(_ set: String) throws {
        let evaluator = FlagEvaluator(definitions: try FlagVectors.definitions(set))
        let cases = try FlagVectors.lines(set, "cases.jsonl").map(FlagVectors.Case.init)
        let now = Date()
        // The cases are the cross product of flags and subjects: one case per subject has the first key.
        let subjects = cases.filter { $0.flagKey == cases[0].flagKey }.map(\.subject)
        #expect(subjects.count * evaluator.flagKeys.count == cases.count)
        var disagreements: [String] = []
        for subject in subjects {
            let all = evaluator.evaluateAll(for: subject, now: now)
            if all.count != evaluator.flagKeys.count {
                disagreements.append("\(subject.distinctId): \(all.count) flags")
            }
            for key in evaluator.flagKeys where all[key] != evaluator.evaluate(key, for: subject, now: now) {
                disagreements.append("\(subject.distinctId) [\(key)]")
            }
        }
        #expect(disagreements.isEmpty, "evaluateAll differs: \(disagreements.prefix(20).joined(separator: ", "))")
    }

    @Test("raw bucketing hashes match hashes.jsonl")
    func hashes() throws {
        var mismatches: [String] = []
        for row in try FlagVectors.lines("consistency", "hashes.jsonl") {
            let input = row["input"]?.stringValue ?? ""
            let key = row["key"]?.stringValue ?? ""
            let value = row["bucketing_value"]?.stringValue ?? ""
            let salt = row["salt"]?.stringValue ?? ""
            let prefix = String(FlagHash.prefix60(of: input), radix: 16)
            let paddedPrefix = String(repeating: "0", count: 15 - prefix.count) + prefix
            let expectedHash = row["hash"]?.doubleValue ?? -1
            let hash: Double
            if row["separator"]?.stringValue == "-" {
                hash = key == "holdout" ? FlagHash.holdout(bucketingValue: value) : FlagHash.value(of: input)
            } else {
                hash = FlagHash.bucket(key: key, bucketingValue: value, salt: salt)
            }
            if paddedPrefix != row["sha1_prefix15"]?.stringValue {
                mismatches.append("\(input): prefix \(paddedPrefix)")
            }
            if hash != expectedHash || FlagHash.value(of: input) != expectedHash {
                mismatches.append("\(input): hash \(hash) expected \(expectedHash)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }
}

/// Loads the conformance vectors computed by posthog-python (`<repo>/Tests/Fixtures/flags`).
enum FlagVectors {
    static func directory(_ set: String) -> URL {
        // <repo>/Tests/PostHogCoreTests/FlagConformanceTests.swift -> <repo>/Tests/Fixtures/flags/<set>
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/flags/\(set)", isDirectory: true)
    }

    static func definitions(_ set: String) throws -> FlagDefinitions {
        let data = try Data(contentsOf: directory(set).appendingPathComponent("definitions.json"))
        return try FlagDefinitions(data: Array(data))
    }

    /// Every non-empty line of a `.jsonl` file, parsed.
    static func lines(_ set: String, _ file: String) throws -> [JSONValue] {
        let data = try Data(contentsOf: directory(set).appendingPathComponent(file))
        return try data.split(separator: UInt8(ascii: "\n")).map { try JSONParser.parse(Array($0)) }
    }

    /// One line of `cases.jsonl`.
    struct Case {
        let id: String
        let flagKey: String
        let subject: FlagSubject
        /// `nil` when the SDK could not decide the flag.
        let expectedValue: FeatureFlagValue?
        let expectedReason: FlagUnresolvedReason?
        let expectedPayload: JSONValue?

        init(_ json: JSONValue) {
            id = json["case_id"]?.stringValue ?? "?"
            flagKey = json["flag_key"]?.stringValue ?? ""
            var groups: [String: String] = [:]
            for (name, key) in json["groups"]?.objectValue ?? [:] {
                // The SDK formats group keys with Python's str(): 12345 → "12345".
                switch key {
                case .string(let s): groups[name] = s
                case .int(let i): groups[name] = String(i)
                default: groups[name] = JSONWriter.string(key)
                }
            }
            subject = FlagSubject(
                distinctId: json["distinct_id"]?.stringValue ?? "",
                groups: groups,
                personProperties: json["person_properties"]?.objectValue ?? [:],
                groupProperties: (json["group_properties"]?.objectValue ?? [:]).compactMapValues(\.objectValue),
                deviceId: json["device_id"]?.stringValue)
            switch json["expected"] {
            case .bool(let b)?: expectedValue = .enabled(b)
            case .string("inconclusive")?: expectedValue = nil
            case .string(let s)?: expectedValue = .variant(s)
            default: expectedValue = nil
            }
            expectedReason = json["expected_reason"]?.stringValue.flatMap(FlagUnresolvedReason.init(rawValue:))
            let payload = json["expected_payload"] ?? .null
            expectedPayload = payload.isNull ? Optional<JSONValue>.none : payload
        }

        /// A description of how `actual` differs from the expectation, or `nil` when it conforms.
        func mismatch(_ actual: FlagEvaluation?) -> String? {
            guard let actual else { return "\(id) [\(flagKey)]: flag not found" }
            let expected: String
            if let expectedValue {
                expected = "\(expectedValue) payload \(Self.render(expectedPayload))"
            } else {
                expected = "inconclusive(\(expectedReason?.rawValue ?? "?"))"
            }
            let got: String
            switch actual {
            case .decided(let value, let payload):
                got = "\(value) payload \(Self.render(payload))"
            case .inconclusive(let reason):
                got = "inconclusive(\(reason.rawValue))"
            }
            return expected == got ? nil : "\(id) [\(flagKey)]: expected \(expected), got \(got)"
        }

        /// A payload as canonical JSON text (sorted keys; 1 and 1.0 stay distinct).
        private static func render(_ payload: JSONValue?) -> String {
            payload.map { JSONWriter.string($0, sortedKeys: true) } ?? "none"
        }
    }
}
