public import PostHogCore
import PostHogKit

/// Turns CSV records into row objects by hogport's column conventions:
///
/// | column | goes to |
/// | --- | --- |
/// | `event`, `distinct_id`, `timestamp`, `uuid`, `type`, `alias`, `group_type`, `group_key` (and any field the mapping names) | the row itself, as text |
/// | `properties.X` | property `X` |
/// | `$set.X`, `$set_once.X`, `$group_set.X` | `$set`, `$set_once`, `$group_set` |
/// | `$groups.TYPE` | `properties.$groups.TYPE` |
/// | anything else | a property of the column's own name |
///
/// Cells: empty is omitted; `true`/`false` are booleans; a number only when its text reads back
/// the same (`01234` stays a string); the mapping's `columns` declare other types.
public struct CSVRowConverter: Sendable {
    enum Destination: Sendable {
        /// The column named like the mapping's properties field: a JSON object merged into the properties.
        case propertiesObject
        case top(String)
        case property(String)
        case nested(String, String)
        case group(String)
    }

    let destinations: [Destination]
    let types: [CSVValueType]
    /// How many columns go to the top level and to the properties (dictionary sizes).
    let topCount: Int
    let propertyCount: Int
    /// Where the properties object goes in the row (the mapping's `properties` field).
    let propertiesKey: String
    public let header: [String]

    public static let reservedColumns: Set<String> = ["event", "distinct_id", "timestamp", "uuid", "type", "alias", "group_type", "group_key"]

    /// - Throws: for an empty or duplicated header.
    public init(header: [String], mapping: ImportMapping) throws(MappingError) {
        guard !header.isEmpty, !(header.count == 1 && header[0].isEmpty) else { throw MappingError("the CSV header row is empty") }
        var seen: Set<String> = []
        for name in header where !seen.insert(name).inserted {
            throw MappingError("the CSV header names the column '\(name)' twice")
        }
        var topLevel = Self.reservedColumns
        for path in [mapping.event, mapping.timestamp, mapping.uuid, mapping.type] + mapping.distinctId {
            topLevel.insert(path.text)
        }
        self.header = header
        propertiesKey = mapping.properties.text
        let propertiesColumn = mapping.properties.text
        destinations = header.map { name in
            if name == propertiesColumn { return .propertiesObject }
            if topLevel.contains(name) { return .top(name) }
            for prefix in ["$set.", "$set_once.", "$group_set."] where name.hasPrefix(prefix) && name.count > prefix.count {
                return .nested(String(prefix.dropLast()), String(name.dropFirst(prefix.count)))
            }
            if name.hasPrefix("$groups.") && name.count > 8 { return .group(String(name.dropFirst(8))) }
            if name.hasPrefix("properties.") && name.count > 11 { return .property(String(name.dropFirst(11))) }
            return .property(name)
        }
        topCount = destinations.filter { if case .top = $0 { return true } else { return false } }.count
        propertyCount = destinations.filter { if case .property = $0 { return true } else { return false } }.count
        types = header.map { name in
            if let declared = mapping.columns[name] { return declared }
            if name == propertiesColumn { return .json }
            return topLevel.contains(name) ? .string : .auto
        }
    }

    /// The row object for one record.
    public func row(_ fields: [String]) throws(MappingError) -> [String: JSONValue] {
        guard fields.count == header.count else {
            throw MappingError("the record has \(fields.count) fields but the header has \(header.count)")
        }
        // Sized from the header: growing a dictionary rehashes every key (measured ~7 % of a CSV import).
        var row = [String: JSONValue](minimumCapacity: topCount + 1)
        var properties = [String: JSONValue](minimumCapacity: propertyCount + 1)
        var nested: [String: [String: JSONValue]] = [:]
        var groups: [String: JSONValue] = [:]
        var propertiesObject: [String: JSONValue] = [:]
        for index in 0..<fields.count {
            let value: JSONValue?
            do {
                value = try types[index].convert(fields[index])
            } catch {
                throw MappingError("column '\(header[index])': \(error.reason)")
            }
            guard let value else { continue }
            switch destinations[index] {
            case .propertiesObject:
                guard case .object(let object) = value else { throw MappingError("column '\(header[index])' must hold a JSON object") }
                propertiesObject = object
            case .top(let name): row[name] = value
            case .property(let name): properties[name] = value
            case .nested(let object, let key): nested[object, default: [:]][key] = value
            case .group(let type): groups[type] = value
            }
        }
        if !groups.isEmpty { properties["$groups"] = .object(groups) }
        // Columns of their own win over the same key inside the JSON properties column.
        for (key, value) in propertiesObject where properties[key] == nil { properties[key] = value }
        row[propertiesKey] = .object(properties)
        for (name, object) in nested { row[name] = .object(object) }
        return row
    }
}
