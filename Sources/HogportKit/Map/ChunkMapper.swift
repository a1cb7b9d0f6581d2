import PostHogKit
import PostHogCore

/// The map stage: turns a ``RowChunk`` into encoded messages. A value with no state, so chunks map
/// in parallel on every core; the pipeline puts the results back in reading order.
///
/// PostHog-shaped captures under the default mapping take the byte-level fast path
/// (``PassthroughCapture``); other rows are parsed and built with ``MessageBuilder``. A vendor
/// preset keeps state across rows (device links, repeated group properties), so for one the
/// workers only parse, and ``PresetRowMapper`` runs in order afterwards, finishing through
/// ``finish(_:)``.
public struct ChunkMapper: Sendable {
    public let builder: MessageBuilder
    /// Whether rows go to a stateful preset mapper after parsing.
    public let parseOnly: Bool
    public let passthrough: Bool
    public let messageGuard: MessageGuard
    /// Whether events without `$ip` get `"$geoip_disable": true`.
    public let disableGeoIP: Bool

    public init(configuration: ImportConfiguration, messageGuard: MessageGuard) {
        builder = MessageBuilder(mapping: configuration.mapping)
        parseOnly = configuration.reshaper != nil
        passthrough = configuration.reshaper == nil && configuration.mapping == ImportMapping()
        self.messageGuard = messageGuard
        disableGeoIP = configuration.disableGeoIP
    }

    /// Maps every row of `chunk`.
    public func map(_ chunk: RowChunk) -> MappedChunk {
        var outcomes: [RowOutcome] = []
        outcomes.reserveCapacity(chunk.rows.count)
        for row in chunk.rows {
            outcomes.append(map(row, bytes: chunk.bytes(of: row)))
        }
        return MappedChunk(chunk: chunk, outcomes: outcomes)
    }

    func map(_ row: RowChunk.Row, bytes: ArraySlice<UInt8>) -> RowOutcome {
        switch row.content {
        case .malformed(let reason):
            return .rejected(reason)
        case .object(let object):
            return parseOnly ? .object(object) : build(object)
        case .line:
            if passthrough, let fast = fastPath(bytes) { return fast }
            switch RowReader.Row.parsed(bytes, line: row.line, offset: row.offset, endOffset: row.resume.endOffset) {
            case .object(let object, _, _, _, _): return parseOnly ? .object(object) : build(object)
            case .malformed(let reason, _, _, _, _): return .rejected(reason)
            case .unparsed: return .rejected("unreadable row")
            }
        }
    }

    private func fastPath(_ bytes: ArraySlice<UInt8>) -> RowOutcome? {
        guard let fast = bytes.withUnsafeBufferPointer({ PassthroughCapture.encode($0, disableGeoIP: disableGeoIP) }) else { return nil }
        if let problem = messageGuard.problem(distinctId: fast.distinctId, timestamp: fast.timestamp) { return .rejected(problem) }
        return .events([MappedEvent(event: fast.event, kind: .capture, timestamp: fast.timestamp)], dropped: 0)
    }

    /// Builds a row object with the mapping (no preset).
    func build(_ object: [String: JSONValue]) -> RowOutcome {
        do throws(MappingError) {
            return finish([try builder.build(object)])
        } catch {
            return .rejected(error.reason)
        }
    }

    /// Checks and encodes the messages one source row became: all of them, or a rejection.
    public func finish(_ rows: [MappedRow]) -> RowOutcome {
        var events: [MappedEvent] = []
        var dropped = 0
        for mapped in rows {
            guard case .message(let message) = mapped else {
                dropped += 1
                continue
            }
            var event = message.event
            if let problem = messageGuard.problem(distinctId: event.distinctId, timestamp: event.timestamp) { return .rejected(problem) }
            if disableGeoIP && event.properties["$ip"] == nil && event.properties["$geoip_disable"] == nil {
                event.properties["$geoip_disable"] = .bool(true)
            }
            do throws(PostHogError) {
                let encoded = try EncodedEvent(event)
                events.append(MappedEvent(event: encoded, kind: message.kind, timestamp: event.timestamp ?? Timestamp(microseconds: 0)))
            } catch {
                return .rejected("\(error.message) (PostHog refuses events over \(PostHogEvent.maximumEncodedSize) bytes)")
            }
        }
        return .events(events, dropped: dropped)
    }
}
