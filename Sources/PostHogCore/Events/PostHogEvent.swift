/// One message for PostHog's `/batch/` endpoint: a captured event, or an identify, alias or group
/// identify, which PostHog represents as events with reserved names.
///
/// ```swift
/// let event = PostHogEvent.capture("movie played", distinctId: "user-1", properties: ["genre": "noir"])
/// ```
public struct PostHogEvent: Sendable, Hashable {
    /// The event name, such as `signed up` or `$identify`.
    public var event: String
    /// The id of the person (or group pseudo-person) the event belongs to.
    public var distinctId: String
    /// Event properties, including reserved ones such as `$groups` or `$set`.
    public var properties: [String: JSONValue]
    /// When the event happened; nil lets the server use its arrival time.
    public var timestamp: Timestamp?
    /// The event's UUID in lowercase; PostHog deduplicates on it.
    public var uuid: String
    /// Person properties to set, sent as the top-level `$set`.
    public var set: [String: JSONValue]?
    /// Person properties to set only when unset, sent as the top-level `$set_once`.
    public var setOnce: [String: JSONValue]?

    public init(
        event: String,
        distinctId: String,
        properties: [String: JSONValue] = [:],
        timestamp: Timestamp? = nil,
        uuid: String? = nil,
        set: [String: JSONValue]? = nil,
        setOnce: [String: JSONValue]? = nil
    ) {
        self.event = event
        self.distinctId = distinctId
        self.properties = properties
        self.timestamp = timestamp
        self.uuid = uuid.flatMap { EventUUID.normalized($0) } ?? EventUUID.v7(at: timestamp ?? .now())
        self.set = set
        self.setOnce = setOnce
    }
}

extension PostHogEvent {
    /// The most bytes one encoded event may take; PostHog's ingestion refuses larger messages.
    public static let maximumEncodedSize = 1_000_000

    /// Writes the event as one JSON object.
    public func encode(into writer: inout JSONWriter) {
        Self.encode(
            event: event, distinctId: distinctId, timestamp: timestamp, uuid: uuid, into: &writer,
            properties: { $0.writeObject(properties) },
            extra: { writer in
                if let set {
                    writer.writeByte(UInt8(ascii: ","))
                    writer.writeKey("$set")
                    writer.writeObject(set)
                }
                if let setOnce {
                    writer.writeByte(UInt8(ascii: ","))
                    writer.writeKey("$set_once")
                    writer.writeObject(setOnce)
                }
            })
    }

    /// Writes an event object in the one layout every encoder shares:
    /// `{"event","distinct_id","properties","timestamp"?,"uuid",…extra}`. `properties` writes the
    /// properties object (a value, or bytes copied through), `extra` any members after `uuid`.
    @inlinable
    public static func encode(
        event: String, distinctId: String, timestamp: Timestamp?, uuid: String, into writer: inout JSONWriter,
        properties: (inout JSONWriter) -> Void, extra: (inout JSONWriter) -> Void = { _ in }
    ) {
        writer.writeByte(UInt8(ascii: "{"))
        writer.writeKey("event")
        writer.writeString(event)
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("distinct_id")
        writer.writeString(distinctId)
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("properties")
        properties(&writer)
        if let timestamp {
            writer.writeByte(UInt8(ascii: ","))
            writer.writeKey("timestamp")
            writer.writeByte(UInt8(ascii: "\""))
            timestamp.appendISO8601(to: &writer.bytes)
            writer.writeByte(UInt8(ascii: "\""))
        }
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("uuid")
        writer.writeString(uuid)
        extra(&writer)
        writer.writeByte(UInt8(ascii: "}"))
    }

    /// The event as compact JSON bytes.
    public func encoded(sortedKeys: Bool = false) -> [UInt8] {
        var writer = JSONWriter(capacity: 512, sortedKeys: sortedKeys)
        encode(into: &writer)
        return writer.bytes
    }

    /// The event as a JSON value (for tests and tools; the hot path uses ``encode(into:)``).
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "event": .string(event), "distinct_id": .string(distinctId), "properties": .object(properties),
            "uuid": .string(uuid),
        ]
        if let timestamp { object["timestamp"] = .string(timestamp.iso8601) }
        if let set { object["$set"] = .object(set) }
        if let setOnce { object["$set_once"] = .object(setOnce) }
        return .object(object)
    }
}
