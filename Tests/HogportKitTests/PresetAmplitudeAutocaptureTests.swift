import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// Amplitude's autocaptured clicks and changes become PostHog `$autocapture` events with an
/// elements chain in PostHog's format.
@Suite("Preset: Amplitude autocapture")
struct PresetAmplitudeAutocaptureTests {
    static func map(_ row: [String: JSONValue]) throws -> PostHogEvent {
        var mapper = PresetRowMapper(preset: try Presets.preset(named: "amplitude"), linkDevices: false)
        guard case .message(let message)? = try mapper.map(row).rows.first else { throw MappingError("no message") }
        return message.event
    }

    static func row(_ event: String, _ properties: JSONValue) -> [String: JSONValue] {
        [
            "event_type": .string(event), "device_id": "d-1", "event_time": "2024-07-06 00:00:01.000000",
            "uuid": "0f3c2a4e-8d1b-4f6a-9c2e-5b7d1a3e9f77", "event_properties": properties, "platform": "Web",
        ]
    }

    @Test("Element Clicked with its hierarchy: $autocapture, click, the chain clicked-first, page URL and title")
    func clickedWithHierarchy() throws {
        let event = try Self.map(
            Self.row(
                "[Amplitude] Element Clicked",
                [
                    "[Amplitude] Element Hierarchy": [
                        ["tag": "body", "index": 1, "indexOfType": 0],
                        [
                            "tag": "a", "id": "my-link-id", "classes": ["my-link-class"], "index": 0, "indexOfType": 0,
                            "attrs": ["aria-label": "my-link", "href": "https://example.com/click-link"],
                        ],
                    ],
                    "[Amplitude] Element Tag": "a", "[Amplitude] Element Text": "my \"link\" text",
                    "[Amplitude] Element Href": "https://example.com/click-link", "[Amplitude] Element ID": "my-link-id",
                    "[Amplitude] Page URL": "https://example.com/pricing", "[Amplitude] Page Title": "Pricing",
                ]))
        #expect(event.event == "$autocapture")
        #expect(event.uuid == "0f3c2a4e-8d1b-4f6a-9c2e-5b7d1a3e9f77")
        #expect(event.properties["$event_type"] == "click")
        #expect(event.properties["$el_text"] == "my \"link\" text")
        #expect(event.properties["$current_url"] == "https://example.com/pricing")
        #expect(event.properties["$title"] == "Pricing")
        #expect(event.properties["[Amplitude] Element Tag"] == "a", "the Amplitude properties stay")
        let expected =
            #"a.my-link-class:attr__aria-label="my-link"attr__class="my-link-class"attr__href="https://example.com/click-link"attr__id="my-link-id"attr_id="my-link-id"href="https://example.com/click-link"nth-child="1"nth-of-type="1"text="my \"link\" text";body:nth-child="2"nth-of-type="1""#
        #expect(event.properties["$elements_chain"] == .string(expected))
    }

    @Test("a hierarchy listed clicked-first (current SDKs) gives the same chain as root-first (older ones)")
    func hierarchyOrder() throws {
        let body: JSONValue = ["tag": "body", "index": 1, "indexOfType": 0]
        let link: JSONValue = ["tag": "a", "id": "go", "classes": ["btn\tprimary"], "index": 0, "indexOfType": 0, "attrs": ["disabled": ""]]
        func chain(_ nodes: [JSONValue]) throws -> JSONValue? {
            try Self.map(
                Self.row(
                    "[Amplitude] Element Clicked",
                    [
                        "[Amplitude] Element Hierarchy": .array(nodes), "[Amplitude] Element Tag": "a", "[Amplitude] Element ID": "go",
                        "[Amplitude] Element Text": "Go",
                    ])
            ).properties["$elements_chain"]
        }
        let expected =
            #"a.btn.primary:attr__class="btn primary"attr__disabled=""attr__id="go"attr_id="go"nth-child="1"nth-of-type="1"text="Go";body:nth-child="2"nth-of-type="1""#
        #expect(try chain([link, body]) == .string(expected))
        #expect(try chain([body, link]) == .string(expected))
    }

    @Test("Element Changed without a hierarchy: change, a one-element chain from tag, classes and id")
    func changedFlat() throws {
        let event = try Self.map(
            Self.row(
                "[Amplitude] Element Changed",
                [
                    "[Amplitude] Element Tag": "SELECT", "[Amplitude] Element Class": "form-control plan", "[Amplitude] Element ID": "plan",
                ]))
        #expect(event.event == "$autocapture")
        #expect(event.properties["$event_type"] == "change")
        #expect(event.properties["$el_text"] == nil)
        #expect(
            event.properties["$elements_chain"]
                == #"select.form-control.plan:attr__class="form-control plan"attr__id="plan"attr_id="plan"nth-child="0"nth-of-type="0""#)
    }

    @Test("other Amplitude events keep their names; an autocapture without element fields has no chain")
    func others() throws {
        #expect(try Self.map(Self.row("Song Played", [:])).event == "Song Played")
        let bare = try Self.map(Self.row("[Amplitude] Element Clicked", [:]))
        #expect(bare.event == "$autocapture")
        #expect(bare.properties["$elements_chain"] == nil)
    }

    @Test("the chain format: classes sorted and without quotes, attributes sorted, quotes escaped, elements joined by ;")
    func chainFormat() {
        var button = ElementsChain.Element(tag: "button")
        button.classes = ["z", "a\"b"]
        button.text = "Say \"hi\""
        button.nthChild = 3
        button.nthOfType = 2
        button.attributes = ["data-x": "1"]
        #expect(
            ElementsChain.text([button, ElementsChain.Element(tag: "div")])
                == #"button.ab.z:attr__data-x="1"nth-child="3"nth-of-type="2"text="Say \"hi\"";div:nth-child="0"nth-of-type="0""#)
    }

    @Test("the loose sample file (samples/presets/amplitude-autocapture.json): a click with its hierarchy and a change")
    func sampleFile() throws {
        let rows = try PresetSamples.map([PresetSamples.path("amplitude-autocapture.json")], preset: "amplitude")
        #expect(rows.allSatisfy { $0.error == nil }, "\(rows.compactMap(\.error))")
        let m = rows.flatMap(\.messages).filter { $0.kind == .capture }
        #expect(m.map(\.event.event) == ["$autocapture", "$autocapture"])
        #expect(m.map { $0.event.properties["$event_type"] } == ["click", "change"])
        #expect(m[0].event.properties["$elements_chain"]?.stringValue?.hasPrefix(#"a.nav-link.primary:attr__class="nav-link primary""#) == true)
        #expect(m[0].event.properties["$elements_chain"]?.stringValue?.hasSuffix(#";nav.top:attr__class="top"nth-child="1"nth-of-type="1""#) == true)
        #expect(m[0].event.properties["$browser"] == "Chrome")
        #expect(m[1].event.properties["$elements_chain"] == #"select:attr__id="plan"attr_id="plan"nth-child="0"nth-of-type="0""#)
        #expect(m[1].event.properties["$current_url"] == "https://example.com/signup")
    }
}
