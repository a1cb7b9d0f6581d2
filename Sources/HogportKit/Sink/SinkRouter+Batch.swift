import PostHogCore
import PostHogKit

extension SinkRouter {
    /// A capture body read for storing.
    struct CaptureBatch {
        var token: String?
        var rows: [SinkStore.Incoming]
    }

    /// Reads a `{"api_key", "batch": [...], "historical_migration", "sent_at"}` body with the
    /// byte-level scanner: each event's `properties` is stored as received, not rebuilt. Events
    /// with anything unusual are parsed and checked by ``validate(_:index:now:historical:sentAt:)``
    /// one by one. Nil when the envelope itself is unusual (the caller then parses it all);
    /// `.failure` is the 400 an event earns.
    static func scanBatch(_ buffer: UnsafeBufferPointer<UInt8>, apiKey: String, isBatchPath: Bool, now: Timestamp) -> Result<CaptureBatch, Problem>? {
        guard let (envelope, batchElements) = try? JSONScanner.members(of: buffer, expanding: "batch") else { return nil }
        var token: String?
        var events: Range<Int>?
        var historical = false
        var sentAt: String?
        for member in envelope {
            switch member.key {
            case "api_key", "token":
                guard member.isString else { return nil }
                if token == nil || member.key == "api_key" { token = JSONScanner.string(in: buffer, at: member.value) }
            case "batch":
                guard events == nil, member.kind == UInt8(ascii: "[") else { return nil }
                events = member.value
            case "historical_migration":
                guard let value = try? JSONScanner.value(in: buffer, at: member.value) else { return nil }
                historical = value.boolValue ?? false
            case "sent_at":
                sentAt = JSONScanner.string(in: buffer, at: member.value)
            default:
                continue
            }
        }
        // Without an envelope token the first event's decides: the general path knows where to look.
        guard events != nil, let token, let elements = batchElements else { return nil }
        guard !elements.isEmpty else { return .failure(Problem(message: "EmptyBatch: the batch has no events")) }
        guard !token.isEmpty else { return .failure(Problem(message: "no API key (token) in the request", status: 401)) }
        guard token == apiKey else { return .failure(Problem(message: "invalid project API key", status: 401)) }
        if !isBatchPath {
            historical = false
            sentAt = nil
        }
        var rows: [SinkStore.Incoming] = []
        rows.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            if let members = element.members, let row = simpleRow(buffer, members, now: now, historical: historical, sentAt: sentAt) {
                rows.append(row)
                continue
            }
            guard let value = try? JSONScanner.value(in: buffer, at: element.range) else { return nil }
            switch validate(value, index: index, now: now, historical: historical, sentAt: sentAt) {
            case .success(let row):
                rows.append(SinkStore.Incoming(row))
            case .failure(let problem):
                return .failure(problem)
            }
        }
        if buffer.count > PostHogEvent.maximumEncodedSize {
            for (index, element) in elements.enumerated() where element.range.count > PostHogEvent.maximumEncodedSize {
                return .failure(Problem(message: "EventTooBig: event \(index) is over \(PostHogEvent.maximumEncodedSize) bytes", status: 413))
            }
        }
        return .success(CaptureBatch(token: token, rows: rows))
    }

    /// One event in the plain shape hogport and the SDKs send, or nil for the careful path.
    private static func simpleRow(
        _ buffer: UnsafeBufferPointer<UInt8>, _ members: [JSONScanner.Member], now: Timestamp, historical: Bool, sentAt: String?
    ) -> SinkStore.Incoming? {
        var name: String?
        var distinctId: String?
        var uuid: String?
        var timestamp: Timestamp?
        var properties: Range<Int>?
        for member in members {
            switch member.key {
            case "event":
                guard name == nil, let s = JSONScanner.string(in: buffer, at: member.value), !s.isEmpty else { return nil }
                name = s
            case "distinct_id":
                guard distinctId == nil, let s = JSONScanner.string(in: buffer, at: member.value), !s.isEmpty, s.utf8.count <= 200 else { return nil }
                distinctId = s
            case "uuid":
                guard uuid == nil, let s = JSONScanner.string(in: buffer, at: member.value), let normalized = EventUUID.normalized(s) else { return nil }
                uuid = normalized
            case "timestamp":
                guard timestamp == nil, let s = JSONScanner.string(in: buffer, at: member.value) else { return nil }
                timestamp = Timestamp(iso8601: s) ?? now
            case "properties":
                guard properties == nil, member.isObject else { return nil }
                properties = member.value
            case "$set", "$set_once", "$distinct_id":
                return nil
            default:
                continue
            }
        }
        guard let name, let distinctId else { return nil }
        let bytes = properties.map { Array(UnsafeBufferPointer(rebasing: buffer[$0])) } ?? Array("{}".utf8)
        return SinkStore.Incoming(
            uuid: uuid ?? EventUUID.v7(at: now), event: name, distinctId: distinctId, timestamp: timestamp ?? now, properties: bytes,
            historical: historical, sentAt: sentAt)
    }
}
