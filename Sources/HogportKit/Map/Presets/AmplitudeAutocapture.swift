public import PostHogKit

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

    /// `[Amplitude] Element Hierarchy` (root first: `{tag, id, classes, attrs, index, indexOfType}`)
    /// as the chain's elements (clicked first); the clicked element takes its text and href from
    /// the flat properties. Nil when there is no usable hierarchy.
    static func hierarchyElements(_ properties: [String: JSONValue]) -> [ElementsChain.Element]? {
        guard let nodes = properties[hierarchy]?.arrayValue, !nodes.isEmpty else { return nil }
        var elements: [ElementsChain.Element] = []
        for node in nodes.reversed() {
            guard let tagName = PresetFields.id(node["tag"])?.lowercased() else { return nil }
            var element = ElementsChain.Element(tag: tagName)
            element.classes = classNames(node["classes"])
            element.id = PresetFields.id(node["id"])
            if let index = node["index"]?.intValue { element.nthChild = Int(index) + 1 }
            if let index = node["indexOfType"]?.intValue { element.nthOfType = Int(index) + 1 }
            for (name, value) in node["attrs"]?.objectValue ?? [:] {
                if let text = PresetFields.id(value) ?? value.boolValue.map({ String($0) }) { element.attributes[name] = text }
            }
            if !element.classes.isEmpty { element.attributes["class"] = element.classes.joined(separator: " ") }
            if let id = element.id { element.attributes["id"] = id }
            element.href = element.attributes["href"]
            if elements.isEmpty {
                element.text = PresetFields.id(properties[text])
                element.href = PresetFields.id(properties[href]) ?? element.href
            }
            elements.append(element)
        }
        return elements
    }

    /// Class names from a space-separated string or a list.
    static func classNames(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let s)?: return s.split(separator: " ").map(String.init)
        case .array(let names)?: return names.compactMap { PresetFields.id($0) }
        default: return []
        }
    }
}
