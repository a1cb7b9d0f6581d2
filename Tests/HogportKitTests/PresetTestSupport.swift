import PostHogCore
import Testing
import Foundation
import HogportKit
import PostHogKit
import TestSupport

/// Helpers for the preset suites: sample paths and whole files mapped through a preset.
enum PresetSamples {
    /// `<repo>/samples/presets/<name>`.
    static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/presets").appendingPathComponent(name).path
    }

    /// `Tests/Fixtures/formats/<name>`: the vendor samples the presets are built to.
    static func vendor(_ name: String) -> String {
        FlagVectors.fixturesDirectory.appendingPathComponent("formats").appendingPathComponent(name).path
    }

    /// One source row's outcome.
    struct Mapped {
        var line: Int
        var messages: [ImportMessage]
        var skipped: [String]
        var error: String?
        var newLinks: [DeviceLink]
    }

    /// Every row of `paths` (zips expanded) through preset `name`.
    static func map(_ paths: [String], preset name: String, linkDevices: Bool = true, knownLinks: Set<DeviceLink.Key> = []) throws -> [Mapped] {
        try map(paths, preset: Presets.preset(named: name), linkDevices: linkDevices, knownLinks: knownLinks)
    }

    /// Every row of `paths` (zips expanded) through `preset`.
    static func map(_ paths: [String], preset: Preset, linkDevices: Bool = true, knownLinks: Set<DeviceLink.Key> = []) throws -> [Mapped] {
        var mapper = PresetRowMapper(preset: preset, linkDevices: linkDevices, knownLinks: knownLinks)
        var out: [Mapped] = []
        for path in try InputExpander.expand(paths) {
            var reader = try RowReader(path: path, format: .auto, mapping: preset.mapping)
            mapper.startFile(path)
            while let row = try reader.next() {
                switch row {
                case .malformed(let reason, let line, _, _, _):
                    out.append(Mapped(line: line, messages: [], skipped: [], error: reason, newLinks: []))
                case .unparsed:
                    Issue.record("the reader parses lines unless told otherwise")
                case .object(let object, let line, _, _, _):
                    do throws(MappingError) {
                        let result = try mapper.map(object)
                        var messages: [ImportMessage] = []
                        var skipped: [String] = []
                        for r in result.rows {
                            switch r {
                            case .message(let m): messages.append(m)
                            case .skipped(let why): skipped.append(why)
                            }
                        }
                        out.append(Mapped(line: line, messages: messages, skipped: skipped, error: nil, newLinks: result.newLinks))
                    } catch {
                        out.append(Mapped(line: line, messages: [], skipped: [], error: error.reason, newLinks: []))
                    }
                }
            }
        }
        return out
    }

    /// All messages of `paths`, in order.
    static func messages(_ paths: [String], preset: String, linkDevices: Bool = true) throws -> [ImportMessage] {
        try map(paths, preset: preset, linkDevices: linkDevices).flatMap(\.messages)
    }
}

extension Timestamp {
    /// A UTC time for expectations.
    static func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, us: Int = 0) -> Timestamp {
        Timestamp(year: y, month: mo, day: d, hour: h, minute: mi, second: s, microsecond: us)!
    }
}
