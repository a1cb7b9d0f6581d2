import PostHogKit
import PostHogCore

/// Amplitude's autocaptured clicks and changes (`[Amplitude] Element Clicked`, `… Changed`) as
/// PostHog `$autocapture` events: `$event_type` `click` or `change`, and the element with its
/// ancestors as `$elements_chain` (from `[Amplitude] Element Hierarchy` when the SDK recorded it,
/// else from the element's own tag, classes, id, href and text). The Amplitude properties stay.
enum AmplitudeAutocapture {
    /// Amplitude's autocapture event names and PostHog's `$event_type` for each.
    static let eventTypes = ["[Amplitude] Element Clicked": "click", "[Amplitude] Element Changed": "change"]

    static let tag = "[Amplitude] Element Tag"
    static let text = "[Amplitude] Element Text"
    static let classes = "[Amplitude] Element Class"
    static let id = "[Amplitude] Element ID"
    static let href = "[Amplitude] Element Href"
    static let hierarchy = "[Amplitude] Element Hierarchy"

    /// Adds `$event_type`, `$elements_chain` and `$el_text` to the properties of an autocapture
    /// event named `name`; returns PostHog's event name, or nil when `name` is not one.
    static func apply(name: String, to properties: inout [String: JSONValue]) -> String? {
        guard let eventType = eventTypes[name] else { return nil }
        PresetFields.put(&properties, "$event_type", .string(eventType))
        PresetFields.put(&properties, "$el_text", properties[text])
        let elements = hierarchyElements(properties) ?? targetElement(properties).map { [$0] } ?? []
        if !elements.isEmpty { PresetFields.put(&properties, "$elements_chain", .string(ElementsChain.text(elements))) }
        return "$autocapture"
    }

    /// The clicked element from the flat properties.
    static func targetElement(_ properties: [String: JSONValue]) -> ElementsChain.Element? {
        guard let tagName = PresetFields.id(properties[tag])?.lowercased() else { return nil }
        var element = ElementsChain.Element(tag: tagName)
        element.classes = classNames(properties[classes])
        element.id = PresetFields.id(properties[id])
        element.href = PresetFields.id(properties[href])
        element.text = PresetFields.id(properties[text])
        if !element.classes.isEmpty { element.attributes["class"] = element.classes.joined(separator: " ") }
        if let id = element.id { element.attributes["id"] = id }
        if let href = element.href { element.attributes["href"] = href }
        return element
    }

    /// `[Amplitude] Element Hierarchy` (`{tag, id, classes, attrs, index, indexOfType}` per
    /// element) as the chain's elements, clicked first; the clicked element takes its text and
    /// href from the flat properties. Current SDKs list the clicked element first, older ones the
    /// root first: the end that matches the flat tag and id is the clicked one (else a `body` or
    /// `html` end is the root). Nil when there is no usable hierarchy.
    static func hierarchyElements(_ properties: [String: JSONValue]) -> [ElementsChain.Element]? {
        guard var nodes = properties[hierarchy]?.arrayValue, !nodes.isEmpty else { return nil }
        if isRootFirst(nodes, properties) { nodes.reverse() }
        var elements: [ElementsChain.Element] = []
        for node in nodes {
            guard let tagName = PresetFields.id(node["tag"])?.lowercased() else { return nil }
            var element = ElementsChain.Element(tag: tagName)
            element.classes = classNames(node["classes"])
            element.id = PresetFields.id(node["id"])
            if let index = node["index"]?.intValue { element.nthChild = Int(index) + 1 }
            if let index = node["indexOfType"]?.intValue { element.nthOfType = Int(index) + 1 }
            for (name, value) in node["attrs"]?.objectValue ?? [:] {
                switch value {
                case .string(let text): element.attributes[name] = text  // empty too: `disabled=""`
                case .int(let number): element.attributes[name] = String(number)
                case .bool(let flag): element.attributes[name] = String(flag)
                default: continue
                }
            }
            if !element.classes.isEmpty { element.attributes["class"] = element.classes.joined(separator: " ") }
            if let id = element.id { element.attributes["id"] = id }
            element.href = element.attributes["href"].flatMap { $0.isEmpty ? nil : $0 }
            if elements.isEmpty {
                element.text = PresetFields.id(properties[text])
                element.href = PresetFields.id(properties[href]) ?? element.href
            }
            elements.append(element)
        }
        return elements
    }

    /// Whether `nodes` start at the root rather than at the clicked element.
    static func isRootFirst(_ nodes: [JSONValue], _ properties: [String: JSONValue]) -> Bool {
        guard nodes.count > 1, let first = nodes.first, let last = nodes.last else { return false }
        let targetTag = PresetFields.id(properties[tag])?.lowercased()
        let targetId = PresetFields.id(properties[id])
        func isTarget(_ node: JSONValue) -> Bool {
            guard let targetTag, PresetFields.id(node["tag"])?.lowercased() == targetTag else { return false }
            return targetId == nil || PresetFields.id(node["id"]) == targetId
        }
        switch (isTarget(first), isTarget(last)) {
        case (true, false): return false
        case (false, true): return true
        default:
            let roots: Set<String> = ["html", "body"]
            return roots.contains(PresetFields.id(first["tag"])?.lowercased() ?? "") && !roots.contains(PresetFields.id(last["tag"])?.lowercased() ?? "")
        }
    }

    /// Class names from a white-space-separated string or a list (whose entries are split too:
    /// PostHog reads a chain's elements as separated by white space outside quotes).
    static func classNames(_ value: JSONValue?) -> [String] {
        let texts: [String]
        switch value {
        case .string(let s)?: texts = [s]
        case .array(let names)?: texts = names.compactMap { PresetFields.id($0) }
        default: texts = []
        }
        return texts.flatMap { $0.split(whereSeparator: \.isWhitespace).map(String.init) }
    }
}
