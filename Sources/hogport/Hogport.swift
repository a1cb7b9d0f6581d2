import ArgumentParser
#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import HogportKit
import PostHogCore

@main
struct Hogport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hogport",
        abstract: "Move product-analytics history into and out of PostHog.",
        discussion: """
            Secrets come from the environment: POSTHOG_API_KEY (project key, phc_…) and \
            POSTHOG_PERSONAL_API_KEY (personal key, for flag definitions and exports). \
            POSTHOG_HOST sets the host. Run `hogport sink` for a local PostHog stand-in.
            """,
        version: HogportInfo.version,
        subcommands: [ImportCommand.self, ExportCommand.self, PresetsCommand.self, StatusCommand.self, FlagsCommand.self, SinkCommand.self, SendCommand.self]
    )

    /// Runs the command, mapping failures to hogport's exit codes: usage errors exit 2 (not
    /// ArgumentParser's 64), and ``CommandFailure`` exits with its own code after one stderr line.
    /// The usage text follows only errors in the arguments themselves, never a failure at run time.
    static func main() async {
        limitMallocArenas()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exitForParsing(error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            fail(failure.message, code: failure.code)
        } catch let error as ValidationError {
            fail(error.message, code: ExitCodes.usage)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit { exit(withError: error) }
            fail("\(error)", code: code == .validationFailure ? ExitCodes.usage : ExitStatus.findings.rawValue)
        }
    }

    private static func exitForParsing(_ error: any Error) -> Never {
        if exitCode(for: error) == .validationFailure {
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(ExitCodes.usage)
        }
        exit(withError: error)
    }

    /// glibc gives every thread that allocates its own malloc arena and keeps freed memory in
    /// each; with mapping workers and uploads on several threads that doubled the import's peak
    /// RSS. Two arenas keep the memory bound at a negligible cost in contention.
    private static func limitMallocArenas() {
        mallopt(-8 /* M_ARENA_MAX */, 2)
    }

    /// Buffers of 128 KiB and more (row chunks, day batches, request bodies) are mapped and
    /// unmapped on their own rather than carved from an arena: glibc otherwise raises that
    /// threshold as large buffers are freed, and day batches that stay open for long between
    /// short-lived chunks fragment the arenas (a shuffled 1M-event import peaked at ~85 MiB; ~55
    /// with this). The import's choice: the pages of each new buffer are faulted in afresh, which
    /// a server answering many large requests (the sink) need not pay.
    static func mapLargeBuffersOnTheirOwn() {
        mallopt(-3 /* M_MMAP_THRESHOLD */, 128 * 1024)
    }

    private static func mallopt(_ option: Int32, _ value: Int32) {
        #if canImport(Glibc)
            // mallopt is in <malloc.h>, which the Glibc module does not expose: look it up instead.
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            _ = unsafeBitCast(symbol, to: Mallopt.self)(option, value)
        #endif
    }

    private static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("hogport: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
