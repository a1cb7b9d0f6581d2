import PostHogKit
import PostHogCore

/// A built-in way to read rows of one shape: the mapping applied to each row and, for vendor
/// exports, the reshaper that first turns a vendor row into PostHog-shaped rows.
public struct Preset: Sendable {
    public var name: String
    /// Raised whenever the preset maps rows differently; part of the checkpoint's fingerprint, so a
    /// job started with one version refuses to resume with another.
    public var version: Int
    /// One line for `hogport presets` and help texts.
    public var summary: String
    /// How the preset maps rows, one rule a line, for `hogport presets` (empty when the summary says it all).
    public var rules: [String]
    /// The mapping ``MessageBuilder`` applies (to the reshaped rows, when there is a reshaper).
    public var mapping: ImportMapping
    public var reshaper: (any RowReshaper)?
    /// Whether the preset reports (device, user) pairs for `--link-devices`.
    public var linksDevices: Bool

    public init(
        name: String, version: Int, summary: String, rules: [String] = [], mapping: ImportMapping = ImportMapping(), reshaper: (any RowReshaper)? = nil,
        linksDevices: Bool = false
    ) {
        self.name = name
        self.version = version
        self.summary = summary
        self.rules = rules
        self.mapping = mapping
        self.reshaper = reshaper
        self.linksDevices = linksDevices
    }
}
