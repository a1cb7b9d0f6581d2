import PostHogKit
import PostHogCore

/// The tool's name and version.
public enum HogportInfo {
    public static let version = PostHogKitInfo.version
    /// The `User-Agent` of the requests the tool makes (import, export, flag snapshots).
    public static let userAgent = "hogport/\(version)"
}
