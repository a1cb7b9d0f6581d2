import Foundation
import HogportKit
import PostHogKit
import PostHogCore
import Testing
import TestSupport

/// The ga4 preset on BigQuery extracts (samples/presets/ga4-*).
@Suite("Preset: ga4")
struct PresetGA4Tests {
    static let bigquery = PresetSamples.path("ga4-bigquery.jsonl")
    static let intraday = PresetSamples.path("ga4-events_intraday_20240801-000000000000.json.gz")
    static let pseudo = "987654321.1722470400"

    /// `lines` written as one NDJSON file and mapped through `preset`.
    static func map(_ lines: [String], preset: Preset? = nil) throws -> [PresetSamples.Mapped] {
        try withTemporaryDirectory { dir in
            let path = try dir.write("events_20240801.json", lines.map { $0 + "\n" }.joined())
            return try PresetSamples.map([path], preset: preset ?? Presets.preset(named: "ga4"))
        }
    }

    /// A minimal GA4 row with `extra` fields (JSON members without braces) after the required ones.
    static func row(_ extra: String = "", name: String = "scroll", micros: String = #""1722470400000000""#, index: String = "1") -> String {
        #"{"event_name":"\#(name)","event_timestamp":\#(micros),"user_pseudo_id":"p-1","event_bundle_sequence_id":"7","batch_event_index":"\#(index)""#
            + (extra.isEmpty ? "" : "," + extra) + "}"
    }

    @Test("the shared sample: page_view -> $pageview, the device link before login, no second link for purchase")
    func sharedSample() throws {
        let rows = try PresetSamples.map([Self.bigquery], preset: "ga4")
        #expect(rows.allSatisfy { $0.error == nil }, "\(rows.compactMap(\.error))")
        #expect(rows.flatMap(\.messages).map(\.event.event) == ["$pageview", "$create_alias", "login", "purchase"])
        let view = rows[0].messages[0].event
        #expect(view.distinctId == "1234567890.1722384000")
        #expect(view.timestamp == .utc(2024, 7, 31, 0, 0, 0, us: 123_456))
        #expect(
            view.properties == [
                "$current_url": "https://example.com/pricing", "ga_session_id": .int(1_722_384_000), "$device_type": "Desktop",
                "$os": "Windows", "$browser": "Chrome", "$browser_version": "126.0", "$geoip_country_name": "United States",
                "$geoip_subdivision_1_name": "Texas", "$geoip_city_name": "Austin", "ga_platform": "WEB", "ga_stream_id": "4567890123",
                "$geoip_disable": true,
            ])
        let alias = rows[1].messages[0]
        #expect(alias.kind == .alias)
        #expect(alias.event.distinctId == "user_42")
        #expect(alias.event.properties["alias"] == "1234567890.1722384000")
        #expect(rows[1].newLinks == [DeviceLink(deviceId: "1234567890.1722384000", userId: "user_42", timestamp: "2024-07-31T00:00:30.456789Z")])
        let login = rows[1].messages[1].event
        #expect(login.distinctId == "user_42")
        #expect(login.set == ["plan": "pro"])
        #expect(login.properties["method"] == "google")
        let purchase = rows[2].messages[0].event
        #expect(purchase.properties["value"] == .double(49.0))
        #expect(purchase.properties["ecommerce"] == ["transaction_id": "T-88231", "purchase_revenue": .double(49.0)])
        #expect(purchase.properties["items"] == [["item_id": "SKU_1", "quantity": .int(1)]])
    }

    @Test("bookkeeping events are dropped with a reason; the option keeps them under their own names")
    func bookkeeping() throws {
        let rows = try PresetSamples.map([Self.intraday], preset: "ga4")
        #expect(rows.count == 8)
        for index in [0, 1, 4] {
            #expect(rows[index].messages.isEmpty)
            #expect(rows[index].skipped.first?.contains("--ga4-keep-bookkeeping") == true, "\(rows[index].skipped)")
        }
        let keeping = try Presets.configure(Presets.preset(named: "ga4"), keepGA4Bookkeeping: true)
        let kept = try PresetSamples.map([Self.intraday], preset: keeping).flatMap(\.messages).map(\.event.event)
        #expect(kept.prefix(2) == ["session_start", "first_visit"])
        #expect(kept.contains("user_engagement"))
        #expect(keeping.mapping.presetTag != (try Presets.preset(named: "ga4")).mapping.presetTag, "a checkpoint of one refuses the other")
        #expect(throws: MappingError.self) { try Presets.configure(Presets.preset(named: "heap"), keepGA4Bookkeeping: true) }
    }

    @Test("event_params typed (an INT64 above 2^53 exact), page params renamed, device, geo and traffic source mapped")
    func pageView() throws {
        let view = try #require(PresetSamples.map([Self.intraday], preset: "ga4")[2].messages.first).event
        #expect(view.event == "$pageview")
        #expect(view.distinctId == Self.pseudo)
        #expect(view.timestamp == .utc(2024, 8, 1, 0, 0, 0, us: 3))
        #expect(view.set == nil)
        #expect(
            view.properties == [
                "$current_url": "https://shop.example.com/p/blue-mug?utm_source=newsletter", "$referrer": "https://mail.example.net/",
                "$title": "Blue mug", "ga_session_id": .int(1_722_470_400), "ga_session_number": .int(3),
                "big_counter": .int(1_234_567_890_123_456_789), "engagement_ratio": .double(0.75), "scroll_share": .double(0.5),
                "$browser": "Safari", "$browser_version": "17.5", "$os": "iOS", "$os_version": "iOS 17.5", "$browser_language": "en-gb",
                "$device_type": "Mobile", "$geoip_country_name": "United Kingdom", "$geoip_city_name": "London",
                "$geoip_subdivision_1_name": "England", "$geoip_continent_name": "Europe", "utm_source": "newsletter", "utm_medium": "email",
                "utm_campaign": "august_mugs", "utm_term": "mug", "utm_content": "hero", "gclid": "Cj0KCQjw", "ga_platform": "WEB",
                "ga_stream_id": "4567890123", "$geoip_disable": true,
            ])
    }

    @Test("user_id wins over user_pseudo_id and links them once; user_properties typed as $set; category -> $device_type")
    func identity() throws {
        let rows = try PresetSamples.map([Self.intraday], preset: "ga4")
        #expect(rows[5].messages.map(\.event.event) == ["$create_alias", "sign_up"])
        let signUp = rows[5].messages[1].event
        #expect(signUp.distinctId == "user_77")
        #expect(signUp.timestamp == .utc(2024, 8, 1, 0, 1, 10))
        #expect(signUp.set == ["plan": "free", "seats": .int(3), "ltv_estimate": .double(12.5)])
        #expect(signUp.properties["$device_type"] == "Tablet")
        #expect(signUp.properties["$os"] == "Android")
        #expect(rows[6].messages.map(\.event.event) == ["purchase"], "the pair is linked already")
        let click = rows[7].messages[0].event
        #expect(click.distinctId == "555.1722470000", "an empty user_id is no user")
        #expect(rows[7].newLinks.isEmpty)
        #expect(click.properties["$device_type"] == "smart tv", "categories other than desktop, mobile and tablet as GA wrote them")
        let unlinked = try PresetSamples.map([Self.intraday], preset: "ga4", linkDevices: false).flatMap(\.messages)
        #expect(!unlinked.contains { $0.event.event == "$create_alias" })
    }

    @Test("ecommerce and items keep numbers as numbers (INT64 strings exact), item_params typed, nulls left out")
    func ecommerce() throws {
        let purchase = try #require(PresetSamples.map([Self.intraday], preset: "ga4")[6].messages.first).event
        #expect(
            purchase.properties["ecommerce"] == [
                "total_item_quantity": .int(2), "purchase_revenue_in_usd": .double(30.61), "purchase_revenue": .double(23.98),
                "shipping_value": .int(0), "tax_value": .double(4.0), "unique_items": .int(1), "transaction_id": "T-90210",
            ])
        #expect(
            purchase.properties["items"] == [
                [
                    "item_id": "MUG-BLUE", "item_name": "Blue mug", "price": .double(11.99), "quantity": .int(2), "item_revenue": .double(23.98),
                    "coupon": "(not set)", "item_params": ["glaze": "matte", "batch": .int(9_007_199_254_740_993)],
                ]
            ])
        #expect(purchase.properties["currency"] == "GBP")
        #expect(purchase.properties["value"] == .double(23.98))
    }

    @Test("event_timestamp is exact microseconds, as a string or a number, above 2^53 too")
    func exactTimestamps() throws {
        let rows = try Self.map([Self.row(micros: #""9007199254740993""#), Self.row(micros: "9007199254740995", index: "2")])
        #expect(rows.map { $0.messages.first?.event.timestamp?.microseconds } == [9_007_199_254_740_993, 9_007_199_254_740_995])
    }

    @Test("uuids: the same on every run, distinct per row, from the five identifying fields only")
    func uuids() throws {
        let first = try PresetSamples.messages([Self.bigquery, Self.intraday], preset: "ga4").map(\.event.uuid)
        let second = try PresetSamples.messages([Self.bigquery, Self.intraday], preset: "ga4").map(\.event.uuid)
        #expect(first == second)
        #expect(Set(first).count == first.count)
        let base = Self.row()
        let variants = [
            Self.row(name: "click"), Self.row(micros: #""1722470400000001""#), Self.row(index: "2"),
            base.replacingOccurrences(of: #""p-1""#, with: #""p-2""#), base.replacingOccurrences(of: #"sequence_id":"7""#, with: #"sequence_id":"8""#),
        ]
        let uuids = try Self.map([base] + variants).map { $0.messages.first?.event.uuid }
        #expect(Set(uuids.compactMap { $0 }).count == 6, "each identifying field changes the uuid")
        let sameEvent = try Self.map([base, Self.row(#""event_params":[{"key":"x","value":{"int_value":"1"}}],"user_id":"u-9""#)])
        #expect(sameEvent[0].messages[0].event.uuid == sameEvent[1].messages.last?.event.uuid, "other fields do not")
        #expect(first.allSatisfy { EventUUID.normalized($0) == $0 })
    }

    @Test("rejects: no ids, no or inexact event_timestamp, no event_name, malformed params")
    func rejects() throws {
        let rows = try Self.map([
            #"{"event_name":"scroll","event_timestamp":"1722470400000000","user_id":null,"user_pseudo_id":""}"#,
            #"{"event_name":"scroll","user_pseudo_id":"p-1"}"#,
            #"{"event_name":"scroll","event_timestamp":1.7224704e15,"user_pseudo_id":"p-1"}"#,
            #"{"event_name":"scroll","event_timestamp":"17224704.5","user_pseudo_id":"p-1"}"#,
            #"{"event_timestamp":"1722470400000000","user_pseudo_id":"p-1"}"#,
            Self.row(#""event_params":{"key":"x"}"#),
        ])
        #expect(rows.map { $0.error != nil } == Array(repeating: true, count: 6), "\(rows.map(\.error))")
        #expect(rows[0].error?.contains("neither user_id nor user_pseudo_id") == true)
        #expect(rows[1].error?.contains("event_timestamp") == true)
        #expect(rows[2].error?.contains("microseconds") == true)
        #expect(rows[4].error?.contains("event_name") == true)
        #expect(rows[5].error?.contains("event_params") == true)
    }
}
