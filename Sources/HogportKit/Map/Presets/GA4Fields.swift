import PostHogKit
import PostHogCore

/// Readers for the value shapes of GA4's BigQuery export, which writes INT64 columns as JSON
/// strings (`"event_timestamp":"1722384000123456"`) so values above 2^53 survive.
enum GA4Fields {
    /// An INT64 column: a JSON integer or a string of digits, exactly (never through a Double).
    static func integer(_ value: JSONValue?) -> Int64? {
        switch value {
        case .int(let i)?: return i
        case .string(let s)?: return Int64(s)
        default: return nil
        }
    }

    /// A FLOAT64 column: a JSON number, or a numeric string as a number (an integer stays exact).
    static func number(_ value: JSONValue?) -> JSONValue? {
        switch value {
        case .int?, .double?: return value
        case .string(let s)?:
            if let i = Int64(s) { return .int(i) }
            if let d = Double(s), d.isFinite { return .double(d) }
            return nil
        default: return nil
        }
    }

    /// The typed value of an `event_params`/`user_properties` entry: `string_value` a string,
    /// `int_value` an exact integer, `float_value`/`double_value` a number; nil when none is set.
    static func typedValue(_ value: JSONValue?) -> JSONValue? {
        guard case .object(let fields)? = value else { return nil }
        if case .string(let s)? = fields["string_value"] { return .string(s) }
        if let i = integer(fields["int_value"]) { return .int(i) }
        if let n = number(fields["double_value"]) { return n }
        if let n = number(fields["float_value"]) { return n }
        return nil
    }

    /// A REPEATED `{key, value}` column (`event_params`, `user_properties`, `item_params`) as an
    /// object of typed values. Entries without a key or a value are left out.
    static func keyValues(_ value: JSONValue?, _ name: String) throws(MappingError) -> [String: JSONValue] {
        switch value {
        case nil, .null?: return [:]
        case .array(let entries)?:
            var out: [String: JSONValue] = [:]
            for entry in entries {
                guard let key = entry["key"]?.stringValue, !key.isEmpty, let typed = typedValue(entry["value"]) else { continue }
                out[key] = typed
            }
            return out
        case let other?: throw MappingError("\(name) is a \(other.typeName), not an array of {key, value}")
        }
    }

    /// INT64 fields of the `ecommerce` and `items` records (written as strings).
    static let integerFields: Set<String> = ["quantity", "total_item_quantity", "unique_items"]

    /// FLOAT64 fields of the `ecommerce` and `items` records.
    static let numberFields: Set<String> = [
        "purchase_revenue", "purchase_revenue_in_usd", "refund_value", "refund_value_in_usd", "shipping_value",
        "shipping_value_in_usd", "tax_value", "tax_value_in_usd", "price", "price_in_usd", "item_revenue",
        "item_revenue_in_usd", "item_refund", "item_refund_in_usd",
    ]

    /// An `ecommerce` or `items` record without nulls, its numeric fields as numbers and its
    /// `item_params` as an object of typed values; nil when nothing is left.
    static func record(_ value: JSONValue?) throws(MappingError) -> [String: JSONValue]? {
        guard case .object(let fields)? = value else { return nil }
        var out: [String: JSONValue] = [:]
        for (key, field) in fields where !field.isNull {
            if key == "item_params" {
                let params = try keyValues(field, "item_params")
                if !params.isEmpty { out[key] = .object(params) }
            } else if integerFields.contains(key), let i = integer(field) {
                out[key] = .int(i)
            } else if numberFields.contains(key), let n = number(field) {
                out[key] = n
            } else {
                out[key] = field
            }
        }
        return out.isEmpty ? nil : out
    }

    /// PostHog's `Desktop`, `Mobile`, `Tablet` for GA's `device.category` (`desktop`, `mobile`,
    /// `tablet`); other categories as GA wrote them.
    static func deviceType(_ category: String) -> String {
        switch category.lowercased() {
        case "desktop": return "Desktop"
        case "mobile": return "Mobile"
        case "tablet": return "Tablet"
        default: return category
        }
    }
}
