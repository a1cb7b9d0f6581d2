public import PostHogCore
import PostHogKit

/// A dotted path into a row object, such as `properties.user_id` or `context.page.url`.
///
/// A key that itself contains dots is found too: `a.b` first looks for the key `a.b`, then for
/// `b` inside `a`.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    let components: [String]

    public init(_ text: String) {
        self.text = text
        components = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    public var description: String { text }

    /// The value at this path in `object`, if any.
    public func value(in object: [String: JSONValue]) -> JSONValue? {
        if let direct = object[text] { return direct }
        guard components.count > 1 else { return nil }
        var current: JSONValue = .object(object)
        for (index, component) in components.enumerated() {
            guard case .object(let members) = current else { return nil }
            if let next = members[component] {
                current = next
            } else {
                // A key with dots further down ("properties" -> "a.b").
                let rest = components[index...].joined(separator: ".")
                return members[rest]
            }
        }
        return current
    }

    /// Removes the value at this path from `object`.
    public func remove(from object: inout [String: JSONValue]) {
        if object.removeValue(forKey: text) != nil { return }
        guard components.count > 1, case .object(var child)? = object[components[0]] else { return }
        FieldPath(components.dropFirst().joined(separator: ".")).remove(from: &child)
        object[components[0]] = .object(child)
    }
}
