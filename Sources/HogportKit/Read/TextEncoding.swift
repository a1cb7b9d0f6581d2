/// The text encoding of an input file.
public enum TextEncoding: String, Sendable, CaseIterable {
    /// UTF-8 (the default): a row with invalid bytes is rejected, never altered.
    case utf8
    /// ISO-8859-1 with Windows-1252's printable characters in 0x80-0x9F (the euro sign, curly
    /// quotes, ...), transcoded to UTF-8 as it is read.
    case latin1
}

/// Finds invalid UTF-8 in a row's bytes.
public enum UTF8Check {
    /// The offset of the first byte that is not valid UTF-8, or nil when all are valid.
    public static func firstInvalid(in bytes: some Collection<UInt8>) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
            case .emptyInput:
                return nil
            case .error:
                return offset
            }
        }
    }

    /// Why a row's bytes are not text, or nil.
    public static func problem(in bytes: some Collection<UInt8>) -> String? {
        guard let bad = firstInvalid(in: bytes) else { return nil }
        return "invalid UTF-8 at byte \(bad) of the row; if the file is Latin-1 or Windows-1252, use --encoding latin1"
    }
}
