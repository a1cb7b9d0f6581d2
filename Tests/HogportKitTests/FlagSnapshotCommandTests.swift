import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// `hogport sink --flags FILE --personal-api-key K` as a child process, for `body(url, definitionsPath, directory, sink)`.
private func withFlagSinkProcess<R>(
    definitions: [UInt8], _ body: (String, String, TemporaryDirectory, FlagCLIProcess) async throws -> R
) async throws -> R {
    let directory = try TemporaryDirectory(prefix: "flag-cli")
    defer { directory.remove() }
    let definitionsPath = try directory.write("served-definitions.json", definitions)
    let sink = try FlagCLIProcess([
        "sink", "--db", directory.file("sink.db"), "--port", "0", "--api-key", TestKeys.project, "--flags", definitionsPath,
        "--personal-api-key", FlagTestKeys.personal,
    ])
    defer { sink.stop() }
    let url = try #require(await sink.firstLine(), "no address line; stderr: \(sink.stderr)")
    let result = try await body(url, definitionsPath, directory, sink)
    sink.signal(SIGTERM)
    #expect(await sink.waitForExit(timeout: .seconds(20)) == 0, "sink exits 0 on SIGTERM; stderr: \(sink.stderr)")
    #expect(!(sink.stdout + sink.stderr).contains(FlagTestKeys.personal), "the sink never prints the personal key")
    return result
}

private let snapshotEnvironment = FlagCLIProcess.environment([
    "POSTHOG_API_KEY": TestKeys.project, "POSTHOG_PERSONAL_API_KEY": FlagTestKeys.personal,
])

@Suite("hogport flags snapshot (real processes against hogport sink --flags)")
struct FlagSnapshotCommandTests {
    @Test("--exit-code: 1 on the first run, 0 when nothing changed, 1 after an edit and after a removal; the key is never printed")
    func exitCodes() async throws {
        let raw = try FlagVectors.definitionsBytes()
        var definitions = try JSONParser.parse(raw)
        try await withFlagSinkProcess(definitions: raw) { url, served, directory, _ in
            let out = directory.file("snap")
            let arguments = ["flags", "snapshot", "--out", out, "--exit-code", "--host", url]
            var outputs: [String] = []

            let first = try await FlagCLIProcess.run(arguments, environment: snapshotEnvironment)
            outputs.append(first.output)
            #expect(first.status == 1, "first run writes everything; stderr: \(first.stderr)")
            #expect(first.stdout.contains("64 flags"), "\(first.stdout)")
            #expect(first.stdout.contains("wrote   flags/sso-mv-5.json"))
            #expect(FileManager.default.contents(atPath: out + "/definitions.json").map { Array($0) } == raw)
            #expect(flagSnapshotFiles(out).filter { $0.hasPrefix("flags/") }.count == 64)

            let second = try await FlagCLIProcess.run(arguments, environment: snapshotEnvironment)
            outputs.append(second.output)
            #expect(second.status == 0, "nothing changed; stdout: \(second.stdout) stderr: \(second.stderr)")
            #expect(!second.stdout.contains("wrote"))

            // Edit one flag upstream.
            var flags = try #require(definitions["flags"]?.arrayValue)
            let index = try #require(flags.firstIndex { $0["key"] == "sso-mv-5" })
            var edited = try #require(flags[index].objectValue)
            edited["active"] = false
            flags[index] = .object(edited)
            definitions = .object((definitions.objectValue ?? [:]).merging(["flags": .array(flags)]) { $1 })
            try AtomicFile.write(JSONWriter.encode(definitions), to: served)
            let third = try await FlagCLIProcess.run(arguments, environment: snapshotEnvironment)
            outputs.append(third.output)
            #expect(third.status == 1, "an edited flag is a change; stderr: \(third.stderr)")
            #expect(third.stdout.contains("wrote   flags/sso-mv-5.json"))
            #expect(third.stdout.contains("wrote   definitions.json"))
            #expect(!third.stdout.contains("wrote   flags/billing-mv-6.json"))

            // Remove it upstream.
            flags.remove(at: index)
            definitions = .object((definitions.objectValue ?? [:]).merging(["flags": .array(flags)]) { $1 })
            try AtomicFile.write(JSONWriter.encode(definitions), to: served)
            let fourth = try await FlagCLIProcess.run(arguments, environment: snapshotEnvironment)
            outputs.append(fourth.output)
            #expect(fourth.status == 1)
            #expect(fourth.stdout.contains("removed flags/sso-mv-5.json"))
            #expect(!FileManager.default.fileExists(atPath: out + "/flags/sso-mv-5.json"))

            // Without --exit-code a change still exits 0; the legacy endpoint serves the same.
            try AtomicFile.write(raw, to: served)
            let plain = try await FlagCLIProcess.run(["flags", "snapshot", "--out", out, "--host", url], environment: snapshotEnvironment)
            outputs.append(plain.output)
            #expect(plain.status == 0, "stderr: \(plain.stderr)")
            let legacy = try await FlagCLIProcess.run(arguments + ["--legacy-endpoint"], environment: snapshotEnvironment)
            outputs.append(legacy.output)
            #expect(legacy.status == 0, "legacy endpoint, nothing changed; stderr: \(legacy.stderr)")

            for output in outputs { #expect(!output.contains(FlagTestKeys.personal), "the personal key was printed") }
        }
    }

    @Test("A wrong personal key exits 3 and leaves the snapshot alone; missing keys exit 2; an unreachable server exits 4")
    func failures() async throws {
        let raw = FlagJSON.bytes(FlagJSON.definitions([FlagJSON.flag(id: 1, key: "a")]))
        try await withFlagSinkProcess(definitions: raw) { url, _, directory, _ in
            let out = directory.file("snap")
            let good = try await FlagCLIProcess.run(["flags", "snapshot", "--out", out, "--host", url], environment: snapshotEnvironment)
            #expect(good.status == 0, "stderr: \(good.stderr)")
            let before = flagSnapshotFiles(out)

            let wrongKey = "phx_wrong_key_3c1d"
            let refused = try await FlagCLIProcess.run(
                ["flags", "snapshot", "--out", out, "--exit-code", "--host", url],
                environment: FlagCLIProcess.environment(["POSTHOG_API_KEY": TestKeys.project, "POSTHOG_PERSONAL_API_KEY": wrongKey]))
            #expect(refused.status == 3, "stdout: \(refused.stdout) stderr: \(refused.stderr)")
            #expect(refused.stderr.contains("401"))
            #expect(!refused.output.contains(wrongKey))
            #expect(!refused.output.contains(FlagTestKeys.personal))
            #expect(flagSnapshotFiles(out) == before)

            let noKeys = try await FlagCLIProcess.run(["flags", "snapshot", "--out", out, "--host", url])
            #expect(noKeys.status == 2, "stderr: \(noKeys.stderr)")
            #expect(noKeys.stderr.contains("POSTHOG_API_KEY"))
            let noPersonal = try await FlagCLIProcess.run(
                ["flags", "snapshot", "--out", out, "--host", url], environment: FlagCLIProcess.environment(["POSTHOG_API_KEY": TestKeys.project]))
            #expect(noPersonal.status == 2, "stderr: \(noPersonal.stderr)")
            #expect(noPersonal.stderr.contains("POSTHOG_PERSONAL_API_KEY"))
            let noOut = try await FlagCLIProcess.run(["flags", "snapshot", "--host", url], environment: snapshotEnvironment)
            #expect(noOut.status == 2)

            let unreachable = try await FlagCLIProcess.run(
                ["flags", "snapshot", "--out", out, "--host", "http://127.0.0.1:1"], environment: snapshotEnvironment)
            #expect(unreachable.status == 4, "stderr: \(unreachable.stderr)")
            #expect(!unreachable.output.contains(FlagTestKeys.personal))
            #expect(flagSnapshotFiles(out) == before)
        }
    }
}
