extension EventUUID {
    /// The namespace of hogport's name-based event ids (a fixed random UUID).
    static let namespace: [UInt8] = [
        0x6f, 0x1c, 0x3a, 0x52, 0x9d, 0x0e, 0x4b, 0x7a, 0x8e, 0x21, 0x55, 0xc4, 0x0b, 0x93, 0xd7, 0x18,
    ]

    /// A UUIDv5 (SHA-1, name-based) derived from an event's content, so the same row always gets
    /// the same id: a resumed or repeated import re-sends identical uuids and PostHog collapses the
    /// copies.
    ///
    /// The name is the event, distinct id, timestamp (microseconds) and the properties as JSON with
    /// sorted keys, separated by NUL bytes; `$set`/`$set_once` count as properties.
    public static func deterministic(for event: PostHogEvent) -> String {
        var writer = JSONWriter(capacity: 512, sortedKeys: true)
        writer.writeRaw(event.event.utf8)
        writer.writeByte(0)
        writer.writeRaw(event.distinctId.utf8)
        writer.writeByte(0)
        writer.writeInt(event.timestamp?.microseconds ?? 0)
        writer.writeByte(0)
        writer.writeObject(event.properties)
        if let set = event.set {
            writer.writeByte(0)
            writer.writeObject(set)
        }
        if let setOnce = event.setOnce {
            writer.writeByte(1)
            writer.writeObject(setOnce)
        }
        return v5(name: writer.bytes)
    }

    /// A UUIDv5 of `name` in hogport's namespace.
    public static func v5(name: [UInt8]) -> String {
        var sha = SHA1()
        sha.update(namespace)
        sha.update(name)
        var bytes = Array(sha.finalize().prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return format(bytes)
    }
}
