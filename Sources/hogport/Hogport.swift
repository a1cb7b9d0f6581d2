import ArgumentParser
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
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("hogport: \(failure.message)\n".utf8))
            Foundation.exit(failure.code)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitCodes.usage)
            }
            exit(withError: error)
        }
    }
}
