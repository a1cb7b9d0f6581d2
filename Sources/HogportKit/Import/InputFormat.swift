/// The shape of an input file.
public enum InputFormat: String, Sendable, CaseIterable {
    case auto
    case ndjson
    case csv

    /// The format a file name suggests (`.csv`, `.ndjson`, `.jsonl`, `.json`, with or without `.gz`).
    public static func fromName(_ path: String) -> InputFormat? {
        var name = path.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if name.hasSuffix(".csv") || name.hasSuffix(".tsv") { return .csv }
        if name.hasSuffix(".ndjson") || name.hasSuffix(".jsonl") || name.hasSuffix(".json") { return .ndjson }
        return nil
    }

    /// The format the first bytes suggest: `{` first means NDJSON, anything else CSV.
    public static func fromContent(_ head: some Collection<UInt8>) -> InputFormat {
        var bytes = head.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 })
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        return bytes.first == UInt8(ascii: "{") ? .ndjson : .csv
    }
}
