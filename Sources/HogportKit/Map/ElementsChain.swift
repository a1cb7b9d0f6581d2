import Foundation

/// The text form of an autocapture's elements, as PostHog stores it in its `elements_chain`
/// column and reads it from the `$elements_chain` property: the clicked element first, then its
/// ancestors, separated by `;`. Each element is its tag, `.class` for each class (sorted), then
/// `:` and its attributes sorted by name as `name="value"` (a `"` in a value escaped as `\"`):
///
/// ```
/// a.nav-link:attr__class="nav-link"attr__href="/pricing"href="/pricing"nth-child="2"nth-of-type="1"text="Pricing";nav:nth-child="1"nth-of-type="1"
/// ```
public enum ElementsChain {
    /// One element of the chain.
    public struct Element: Sendable, Equatable {
        public var tag: String
        public var classes: [String] = []
        public var id: String?
        public var href: String?
        public var text: String?
        /// 1-based position among the parent's children, and among those of the same tag (0: unknown).
        public var nthChild = 0
        public var nthOfType = 0
        /// The element's HTML attributes by name (written `attr__NAME`).
        public var attributes: [String: String] = [:]

        public init(tag: String) {
            self.tag = tag
        }
    }

    /// The chain of `elements`, the clicked one first.
    public static func text(_ elements: [Element]) -> String {
        elements.map(text(of:)).joined(separator: ";")
    }

    static func text(of element: Element) -> String {
        var out = element.tag
        for name in element.classes.sorted() { out += "." + name.replacingOccurrences(of: "\"", with: "") }
        var attributes: [String: String] = ["nth-child": String(element.nthChild), "nth-of-type": String(element.nthOfType)]
        if let text = element.text, !text.isEmpty { attributes["text"] = text }
        if let href = element.href, !href.isEmpty { attributes["href"] = href }
        if let id = element.id, !id.isEmpty { attributes["attr_id"] = id }
        for (name, value) in element.attributes { attributes["attr__" + name] = value }
        out += ":"
        for name in attributes.keys.sorted() {
            out += escape(name) + "=\"" + escape(attributes[name]!) + "\""
        }
        return out
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "\\\"")
    }
}
