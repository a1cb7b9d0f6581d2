import PostHogCore
public import PostHogKit

/// The tool's name and version.
public enum HogportInfo {
    public static let version = PostHogKitInfo.version
}
