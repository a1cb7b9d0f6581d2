/// Builds the JSON body of a `POST /batch/` request from already-encoded events.
///
/// Events are encoded once, when they are queued; a retry, a split or a bisection only re-joins
/// the bytes, with a fresh `sent_at` each time (a stale one would shift every stored timestamp).
public enum BatchBody {
    /// The body `{"api_key":…,"batch":[…],"historical_migration":true,"sent_at":…}`.
    @inlinable  // specialised where it is called: a generic walk over the events cost ~7 % of an import
    public static func encode(
        apiKey: String,
        events: some Collection<[UInt8]>,
        historicalMigration: Bool,
        sentAt: Timestamp?
    ) -> [UInt8] {
        envelope(apiKey: apiKey, eventBytes: events.reduce(0) { $0 + $1.count + 1 }, historicalMigration: historicalMigration, sentAt: sentAt) { writer in
            var first = true
            for event in events {
                if !first { writer.writeByte(UInt8(ascii: ",")) }
                first = false
                writer.writeRaw(event)
            }
        }
    }

    /// The same body around events already joined by commas.
    public static func encode(apiKey: String, joinedEvents: [UInt8], historicalMigration: Bool, sentAt: Timestamp?) -> [UInt8] {
        envelope(apiKey: apiKey, eventBytes: joinedEvents.count, historicalMigration: historicalMigration, sentAt: sentAt) { writer in
            writer.writeRaw(joinedEvents)
        }
    }

    @inlinable
    static func envelope(
        apiKey: String, eventBytes: Int, historicalMigration: Bool, sentAt: Timestamp?, events: (inout JSONWriter) -> Void
    ) -> [UInt8] {
        var writer = JSONWriter(capacity: eventBytes + overhead(apiKeyLength: apiKey.utf8.count))
        writer.writeByte(UInt8(ascii: "{"))
        writer.writeKey("api_key")
        writer.writeString(apiKey)
        writer.writeByte(UInt8(ascii: ","))
        writer.writeKey("batch")
        writer.writeByte(UInt8(ascii: "["))
        events(&writer)
        writer.writeByte(UInt8(ascii: "]"))
        if historicalMigration {
            writer.writeByte(UInt8(ascii: ","))
            writer.writeKey("historical_migration")
            writer.writeRaw("true".utf8)
        }
        if let sentAt {
            writer.writeByte(UInt8(ascii: ","))
            writer.writeKey("sent_at")
            writer.writeByte(UInt8(ascii: "\""))
            sentAt.appendISO8601(to: &writer.bytes)
            writer.writeByte(UInt8(ascii: "\""))
        }
        writer.writeByte(UInt8(ascii: "}"))
        return writer.bytes
    }

    /// Bytes the envelope adds around the events, for sizing batches.
    @inlinable
    public static func overhead(apiKeyLength: Int) -> Int { apiKeyLength + 96 }
}
