#if canImport(Glibc)
    import Glibc
#endif

/// Checks a compressed input end to end (gzip CRC-32 and length of every member, a zip entry's
/// CRC-32 and size) before any of its rows are sent: a damaged file is then refused whole instead
/// of being sent up to the damaged spot, where altered rows may already have gone out.
///
/// Plain files carry no checksum and standard input cannot be read twice; neither is checked.
public enum InputVerifier {
    /// Whether `path` is checked: a zip entry, or a file starting with the gzip magic bytes.
    public static func isVerifiable(_ path: String) -> Bool {
        if path == "-" { return false }
        if InputFile.zipEntry(path) != nil { return true }
        guard let file = fopen(path, "rb") else { return false }
        defer { fclose(file) }
        var magic: (UInt8, UInt8) = (0, 0)
        let read = withUnsafeMutableBytes(of: &magic) { fread($0.baseAddress, 1, 2, file) }
        return read == 2 && magic.0 == 0x1f && magic.1 == 0x8b
    }

    /// Reads `path` to its end through its decompressor.
    ///
    /// - Throws: ``InputError`` naming the file and the (decompressed) byte offset of the damage.
    public static func verify(_ path: String) throws(InputError) {
        var source = try InputFile.open(path)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        while try source.read(into: &buffer, count: 1 << 20) > 0 {
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
