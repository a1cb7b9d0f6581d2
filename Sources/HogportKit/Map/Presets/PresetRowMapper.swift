public import PostHogCore
import PostHogKit

/// One source row through a preset: reshape (when the preset has a reshaper), leave out group
/// identifies that repeat what was sent (``GroupIdentifyFilter``), add the `$create_alias` rows
/// of new device links, then map and validate every row with ``MessageBuilder``. This is what
/// the import does per row.
public struct PresetRowMapper: Sendable {
    /// The reshaper of the current file (see ``startFile(_:)``).
    public private(set) var reshaper: (any RowReshaper)?
    /// The preset's reshaper, before any file chose its own.
    let baseReshaper: (any RowReshaper)?
    public let builder: MessageBuilder
    /// Whether new (device, user) pairs become `$create_alias` messages.
    public var linkDevices: Bool
    public private(set) var linker: DeviceLinker
    public private(set) var groups = GroupIdentifyFilter()

    /// - Parameter knownLinks: pairs linked by earlier runs (``CheckpointStore/linkedPairs()``).
    public init(preset: Preset, linkDevices: Bool = true, knownLinks: some Sequence<DeviceLink.Key> = []) {
        self.init(mapping: preset.mapping, reshaper: preset.reshaper, linkDevices: linkDevices, knownLinks: knownLinks)
    }

    public init(mapping: ImportMapping, reshaper: (any RowReshaper)?, linkDevices: Bool = true, knownLinks: some Sequence<DeviceLink.Key> = []) {
        self.reshaper = reshaper
        baseReshaper = reshaper
        builder = MessageBuilder(mapping: mapping)
        self.linkDevices = linkDevices
        linker = DeviceLinker(known: knownLinks)
    }

    /// Starts the rows of the file at `path`: the reshaper may depend on the file (its table).
    public mutating func startFile(_ path: String) {
        reshaper = baseReshaper?.forFile(path)
    }

    /// What one source row became.
    public struct Output: Sendable {
        /// Messages (or skips) in sending order; never empty.
        public var rows: [MappedRow]
        /// Pairs linked by this row for the first time: store them (``CheckpointStore/rememberLinks(_:)``)
        /// when the row's position is committed.
        public var newLinks: [DeviceLink]
        /// Group properties this row sends (recorded by the mapper, forgotten by ``forget(_:)``).
        var groupsSent: [(GroupIdentifyFilter.Group, String)] = []
    }

    /// Forgets the links and group properties a row reported when that row is rejected after
    /// mapping (its messages were not sent, so they must be sent again with the next row that has them).
    public mutating func forget(_ output: Output) {
        linker.forget(output.newLinks)
        groups.forget(output.groupsSent)
    }

    /// Forgets links whose `$create_alias` the server refused: the next row with the pair sends
    /// one again.
    public mutating func forgetLinks(_ links: [DeviceLink]) {
        linker.forget(links)
    }

    /// Maps one source row. A row is all or nothing: when any of its rows fails, the error rejects
    /// the whole source row and its links are not remembered.
    public mutating func map(_ row: [String: JSONValue]) throws(MappingError) -> Output {
        guard let reshaper else { return Output(rows: [try builder.build(row)], newLinks: []) }
        let reshaped = try reshaper.reshape(row)
        guard !reshaped.rows.isEmpty else {
            return Output(rows: [.skipped(reshaped.skipReason ?? "the preset drops this row")], newLinks: [])
        }
        let filtered = groups.filter(reshaped.rows)
        var rows = filtered.rows
        var newLinks: [DeviceLink] = []
        if linkDevices && !reshaped.links.isEmpty {
            // Before the emptiness check: a row whose group identify repeats may still link a device.
            let linked = linker.link(reshaped.links)
            rows = linked.rows + rows
            newLinks = linked.new
        }
        guard !rows.isEmpty else {
            return Output(rows: [.skipped("the group properties are the same as last sent")], newLinks: [])
        }
        var out: [MappedRow] = []
        out.reserveCapacity(rows.count)
        do throws(MappingError) {
            for shaped in rows { out.append(try builder.build(shaped)) }
        } catch {
            linker.forget(newLinks)
            throw error
        }
        groups.record(filtered.sent)
        return Output(rows: out, newLinks: newLinks, groupsSent: filtered.sent)
    }
}
