import CZlib

/// The CRC-32 zip and gzip use (zlib's).
public enum CRC32 {
    /// `crc` updated with `bytes` (start with 0).
    public static func update(_ crc: UInt32, _ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return crc }
            return UInt32(truncatingIfNeeded: crc32(UInt(crc), base, UInt32(buffer.count)))
        }
    }
}
