/// The library's name and version as it reports them to PostHog.
public enum PostHogKitInfo {
    /// The version of this package.
    public static let version = "0.1.0"
    /// The `$lib` property set on events (when the caller has not set one).
    public static let libraryName = "posthog-swift-server"
    /// The `User-Agent` of every request.
    public static let userAgent = "\(libraryName)/\(version)"
}
