// The library's public API is written in PostHogCore's value types (JSONValue, PostHogEvent,
// Timestamp, flag results): re-export them so `import PostHogKit` is all an app needs.
@_exported public import PostHogCore
