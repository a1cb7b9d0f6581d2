public import PostHogCore
import PostHogKit

/// Turns a row object (an NDJSON line, or a CSV record after ``CSVRowConverter``) into a PostHog
/// message, applying an ``ImportMapping``, and validates it so the server never sees a message
/// that would fail its batch.
public struct MessageBuilder: Sendable {
    public var mapping: ImportMapping

    public init(mapping: ImportMapping = ImportMapping()) {
        self.mapping = mapping
    }

    /// The column of PostHog's exports that holds an autocapture's elements.
    public static let elementsChainColumn = "elements_chain"

    /// The longest distinct id PostHog keeps whole.
    public static let maximumDistinctIdLength = 200

    public func build(_ row: [String: JSONValue]) throws(MappingError) -> MappedRow {
        let (named, kind) = try eventName(in: row)
        var eventName = named
        if let renamed = mapping.renameEvents[eventName] { eventName = renamed }
        if mapping.dropEvents.contains(eventName) { return .skipped("event '\(eventName)' is dropped by the mapping") }
        let resolvedKind = kind ?? MessageKind(eventName: eventName)
        if let reserved = resolvedKind.eventName, kind != nil { eventName = reserved }

        let distinctId = try distinctId(in: row, kind: resolvedKind)
        guard let rawTimestamp = mapping.timestamp.value(in: row), !rawTimestamp.isNull else {
            throw MappingError("missing timestamp (field '\(mapping.timestamp)')")
        }
        let timestamp = try mapping.timestampFormat.parse(rawTimestamp)
        var properties = try properties(in: row)
        var set = try Self.object(row["$set"], name: "$set")
        let setOnce = try Self.object(row["$set_once"], name: "$set_once")
        try shape(resolvedKind, row: row, distinctId: distinctId, properties: &properties, set: &set, setOnce: setOnce)

        // A valid source uuid is kept; otherwise the id is derived from the content, so a repeated
        // import sends the same one. (The placeholder only avoids generating a random id.)
        let source = mapping.uuid.value(in: row)?.stringValue.flatMap { EventUUID.normalized($0) }
        var event = PostHogEvent(
            event: eventName, distinctId: distinctId, properties: properties, timestamp: timestamp,
            uuid: source ?? "00000000-0000-0000-0000-000000000000", set: set, setOnce: setOnce)
        if source == nil { event.uuid = EventUUID.deterministic(for: event) }
        return .message(ImportMessage(event: event, kind: resolvedKind, sourceUUID: source != nil))
    }

    /// The event name, and the kind when the row names one (else the name decides it).
    private func eventName(in row: [String: JSONValue]) throws(MappingError) -> (String, MessageKind?) {
        var kind: MessageKind?
        if let typeValue = mapping.type.value(in: row), !typeValue.isNull {
            guard let name = typeValue.stringValue, let k = MessageKind(typeName: name) else {
                throw MappingError("unknown type '\(JSONWriter.string(typeValue))' (capture, identify, alias, group_identify, set, set_once)")
            }
            kind = k
        }
        switch mapping.event.value(in: row) {
        case .string(let s)? where !s.isEmpty:
            return (s, kind)
        case nil, .null?, .string?:
            guard let k = kind, let reserved = k.eventName else { throw MappingError("missing event name (field '\(mapping.event)')") }
            return (reserved, kind)
        case let other?:
            throw MappingError("the event name is a \(other.typeName), not a string")
        }
    }

    /// The first usable distinct id of the mapping's candidates; for a group identify without
    /// one, `$<type>_<key>` as PostHog's SDKs send.
    private func distinctId(in row: [String: JSONValue], kind: MessageKind) throws(MappingError) -> String {
        var distinctId: String?
        for candidate in mapping.distinctId {
            switch candidate.value(in: row) {
            case .string(let s)? where !s.isEmpty: distinctId = s
            case .int(let i)?: distinctId = String(i)
            case .double(let d)?: distinctId = JSONWriter.string(.double(d))
            default: continue
            }
            break
        }
        if distinctId == nil && kind == .groupIdentify,
            let type = Self.text(row["group_type"]) ?? Self.text(mapping.properties.value(in: row)?["$group_type"]),
            let key = Self.text(row["group_key"]) ?? Self.text(mapping.properties.value(in: row)?["$group_key"])
        {
            distinctId = "$\(type)_\(key)"
        }
        guard let distinctId else {
            throw MappingError("missing distinct_id (looked in \(mapping.distinctId.map(\.text).joined(separator: ", ")))")
        }
        guard distinctId.count <= Self.maximumDistinctIdLength else {
            throw MappingError("distinct_id is longer than \(Self.maximumDistinctIdLength) characters (PostHog would truncate it and merge people)")
        }
        return distinctId
    }

    /// The row's properties (an object, or a string holding one) with the mapping's renames,
    /// drops and additions applied.
    private func properties(in row: [String: JSONValue]) throws(MappingError) -> [String: JSONValue] {
        var properties: [String: JSONValue]
        switch mapping.properties.value(in: row) {
        case nil, .null?: properties = [:]
        case .object(let o)?: properties = o
        case .string(let text)?:
            guard case .object(let o)? = try? JSONParser.parse(text) else {
                throw MappingError("properties is a string that is not a JSON object")
            }
            properties = o
        case let other?:
            throw MappingError("properties is a \(other.typeName), not an object")
        }
        // PostHog keeps an autocapture's elements in their own column, `elements_chain` in its exports;
        // sent back, they go in the `$elements_chain` property, from which ingestion fills that column.
        // (Before the mapping's renames and drops, which may name it.)
        if case .string(let chain)? = row[Self.elementsChainColumn], !chain.isEmpty, properties["$elements_chain"] == nil {
            properties["$elements_chain"] = .string(chain)
        }
        for (from, to) in mapping.renameProperties {
            if let value = properties.removeValue(forKey: from) { properties[to] = value }
        }
        for key in mapping.dropProperties { properties.removeValue(forKey: key) }
        for (key, value) in mapping.addProperties where properties[key] == nil { properties[key] = value }
        return properties
    }

    /// What each kind of message needs besides a capture's fields, checked and put in place.
    private func shape(
        _ kind: MessageKind, row: [String: JSONValue], distinctId: String, properties: inout [String: JSONValue],
        set: inout [String: JSONValue]?, setOnce: [String: JSONValue]?
    ) throws(MappingError) {
        switch kind {
        case .capture:
            break
        case .identify:
            if set == nil, case .object(let inner)? = properties["$set"] { set = inner }
        case .set:
            if set == nil, case .object(let inner)? = properties["$set"] { set = inner }
            guard set != nil else { throw MappingError("a $set message needs a $set object") }
        case .setOnce:
            guard setOnce != nil || properties["$set_once"] != nil else { throw MappingError("a $set_once message needs a $set_once object") }
        case .alias:
            let alias = Self.text(row["alias"]) ?? Self.text(properties["alias"])
            guard let alias, !alias.isEmpty else { throw MappingError("an alias message needs an 'alias' value") }
            properties["alias"] = .string(alias)
            properties["distinct_id"] = .string(distinctId)
        case .groupIdentify:
            let groupType = Self.text(row["group_type"]) ?? Self.text(properties["$group_type"])
            let groupKey = Self.text(row["group_key"]) ?? Self.text(properties["$group_key"])
            guard let groupType, !groupType.isEmpty, let groupKey, !groupKey.isEmpty else {
                throw MappingError("a group_identify message needs group_type and group_key")
            }
            guard groupType.count <= 400, groupKey.count <= 400 else { throw MappingError("group_type and group_key must be at most 400 characters") }
            properties["$group_type"] = .string(groupType)
            properties["$group_key"] = .string(groupKey)
            let groupSet = try Self.object(row["$group_set"], name: "$group_set") ?? properties["$group_set"]?.objectValue ?? [:]
            properties["$group_set"] = .object(groupSet)
        }
    }

    static func object(_ value: JSONValue?, name: String) throws(MappingError) -> [String: JSONValue]? {
        switch value {
        case nil, .null?: return nil
        case .object(let o)?: return o
        case let other?: throw MappingError("\(name) is a \(other.typeName), not an object")
        }
    }

    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        default: return nil
        }
    }
}
