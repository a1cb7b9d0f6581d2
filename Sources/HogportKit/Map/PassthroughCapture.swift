#if canImport(Glibc)
    import Glibc
#endif
public import PostHogCore
public import PostHogKit

/// The fast path for PostHog-shaped NDJSON under the default mapping: a capture line
/// `{"event", "distinct_id", "timestamp", "uuid", "properties"}` is validated and re-emitted
/// with its `properties` copied through as bytes, without building a value tree.
///
/// It gives exactly what ``MessageBuilder`` gives for such a line (same fields, same uuid, same
/// timestamp; only the order of property keys differs, kept as in the source). Anything else
/// (a missing or non-UUID `uuid`, a reserved event name, `type`, `$set`, `$set_once`, a
/// non-empty `elements_chain`, a distinct id elsewhere, properties as a JSON string, duplicate keys, invalid JSON) returns
/// nil and takes the general path, which also words the errors.
public enum PassthroughCapture {
    /// A line the fast path encoded.
    public struct Encoded: Sendable {
        public var event: EncodedEvent
        public var timestamp: Timestamp
        public var distinctId: String
    }

    /// Encodes `line`, or nil when the line needs the general path.
    ///
    /// - Parameter disableGeoIP: add `"$geoip_disable": true` to the properties unless they hold
    ///   `$ip` or `$geoip_disable` (a line whose properties might spell either key with escapes
    ///   takes the general path).
    public static func encode(_ line: UnsafeBufferPointer<UInt8>, tag: Int64 = 0, disableGeoIP: Bool = false) -> Encoded? {
        guard let members = try? JSONScanner.members(of: line) else { return nil }
        var event: Range<Int>?
        var distinctId: Range<Int>?
        var timestamp: Range<Int>?
        var uuid: Range<Int>?
        var properties: Range<Int>?
        for member in members {
            switch member.key {
            case "event":
                guard event == nil, member.isString else { return nil }
                event = member.value
            case "distinct_id":
                guard distinctId == nil, member.isString else { return nil }
                distinctId = member.value
            case "timestamp":
                guard timestamp == nil else { return nil }
                timestamp = member.value
            case "uuid":
                guard uuid == nil, member.isString else { return nil }
                uuid = member.value
            case "properties":
                guard properties == nil else { return nil }
                if member.isObject {
                    properties = member.value
                } else if !member.isNull {
                    return nil
                }
            case "type", "$set", "$set_once", "$distinct_id":
                return nil
            case MessageBuilder.elementsChainColumn:
                // An empty chain (`""`) is ignored, as by the general path; a chain goes into the properties there.
                guard member.isString, member.value.count == 2 else { return nil }
            default:
                continue  // the general path ignores other keys too
            }
        }
        guard let event, let distinctId, let timestamp, let uuid,
            let name = JSONScanner.string(in: line, at: event), !name.isEmpty,
            MessageKind(eventName: name) == .capture,
            let id = JSONScanner.string(in: line, at: distinctId), !id.isEmpty,
            id.utf8.count <= MessageBuilder.maximumDistinctIdLength,
            let sourceUUID = JSONScanner.string(in: line, at: uuid), let normalized = EventUUID.normalized(sourceUUID),
            let timeValue = try? JSONScanner.value(in: line, at: timestamp), !timeValue.isNull,
            let time = try? TimestampFormat.auto.parse(timeValue)
        else { return nil }

        var addGeoIP = disableGeoIP
        if disableGeoIP, let properties {
            let bytes = UnsafeBufferPointer(rebasing: line[properties])
            if contains(bytes, "\\u") { return nil }
            if contains(bytes, "\"$ip\"") || contains(bytes, "\"$geoip_disable\"") {
                // Only a top-level key counts (as on the general path), not a nested one or a value.
                guard let members = try? JSONScanner.members(of: line, in: properties) else { return nil }
                addGeoIP = !members.contains { $0.key == "$ip" || $0.key == "$geoip_disable" }
            }
        }
        // Sized for the whole event (keys, uuid, timestamp and the flag take under 192 bytes), so the
        // buffer never grows while it is written.
        var writer = JSONWriter(capacity: 192 + name.utf8.count + id.utf8.count + (properties?.count ?? 2))
        PostHogEvent.encode(
            event: name, distinctId: id, timestamp: time, uuid: normalized, into: &writer,
            properties: { writer in
                writeProperties(properties.map { UnsafeBufferPointer(rebasing: line[$0]) }, addingGeoIPDisable: addGeoIP, into: &writer)
            })
        guard writer.bytes.count <= PostHogEvent.maximumEncodedSize else { return nil }
        return Encoded(event: EncodedEvent(uuid: normalized, bytes: writer.bytes, tag: tag), timestamp: time, distinctId: id)
    }

    /// The properties object as it is, with `"$geoip_disable":true` added as its last member when asked.
    static func writeProperties(_ object: UnsafeBufferPointer<UInt8>?, addingGeoIPDisable add: Bool, into writer: inout JSONWriter) {
        guard let object, object.count >= 2 else {
            writer.writeRaw((add ? #"{"$geoip_disable":true}"# : "{}").utf8)
            return
        }
        guard add else {
            writer.writeRaw(object)
            return
        }
        // The scanner located a valid object: its last byte is the closing brace.
        let inner = UnsafeBufferPointer(rebasing: object[object.startIndex..<(object.endIndex - 1)])
        writer.writeRaw(inner)
        let hasMembers = inner.dropFirst().contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        writer.writeRaw((hasMembers ? #","$geoip_disable":true}"# : #""$geoip_disable":true}"#).utf8)
    }

    /// Whether `needle` occurs in `haystack`. Candidates are found with `memchr` on the needle's
    /// first byte after a leading quote (`$` or `\`, rare in JSON, where quotes are everywhere:
    /// a `memcmp` at every quote cost ~8 % of an import).
    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let n = needle.utf8CodeUnitCount
        guard let base = haystack.baseAddress, haystack.count >= n, n > 0 else { return false }
        let anchor = n > 1 && needle.utf8Start[0] == UInt8(ascii: "\"") ? 1 : 0
        let byte = Int32(needle.utf8Start[anchor])
        var from = base + anchor
        let end = base + haystack.count - (n - anchor - 1)  // past the last place the anchor can be
        while from < end, let hit = memchr(from, byte, end - from) {
            let at = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(at - anchor, needle.utf8Start, n) == 0 { return true }
            from = at + 1
        }
        return false
    }
}
