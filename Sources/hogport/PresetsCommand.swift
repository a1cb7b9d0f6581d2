import ArgumentParser
import HogportKit
import PostHogCore
import PostHogKit

/// `hogport presets`: the shapes `import --preset` reads.
struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presets",
        abstract: "List the presets `hogport import --preset NAME` reads (PostHog and vendor exports)."
    )

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        if json {
            let list: [JSONValue] = Presets.all.map { preset in
                [
                    "name": .string(preset.name), "version": .int(Int64(preset.version)), "description": .string(preset.summary),
                    "links_devices": .bool(preset.linksDevices), "rules": .array(preset.rules.map { .string($0) }),
                ]
            }
            print(JSONWriter.string(.array(list), sortedKeys: true))
            return
        }
        let width = Presets.all.map(\.name.count).max() ?? 0
        for preset in Presets.all {
            print(preset.name.padding(to: width) + "  v\(preset.version)  " + preset.summary)
            for rule in preset.rules { print(String(repeating: " ", count: width + 6) + "- " + rule) }
        }
        print("\nTry one: hogport import --preset NAME --dry-run FILE   (docs/migrate-<name>.md for each vendor)")
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
