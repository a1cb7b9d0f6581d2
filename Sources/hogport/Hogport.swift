import ArgumentParser
import HogportKit

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
        subcommands: [SinkCommand.self, SendCommand.self]
    )
}
