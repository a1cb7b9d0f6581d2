import ArgumentParser
import Foundation

/// Host and project key options shared by the sending commands.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "The PostHog host (default: $POSTHOG_HOST, else https://us.i.posthog.com).")
    var host: String?

    @Option(help: "The project API key (default: $POSTHOG_API_KEY; prefer the variable: arguments are visible to other users).")
    var apiKey: String?

    func resolve() throws -> (host: String, apiKey: String) {
        let env = ProcessInfo.processInfo.environment
        let host = host ?? env["POSTHOG_HOST"] ?? "https://us.i.posthog.com"
        guard let key = apiKey ?? env["POSTHOG_API_KEY"], !key.isEmpty else {
            throw ValidationError("no project API key: set POSTHOG_API_KEY (or pass --api-key)")
        }
        guard host.hasPrefix("http://") || host.hasPrefix("https://") else {
            throw ValidationError("--host must start with http:// or https:// (got \(host))")
        }
        return (host, key)
    }
}
