/// A compression or decompression failure, with zlib's own message when it gave one.
public struct GzipError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The zlib status code.
    public var code: Int32
    /// zlib's message, or ours.
    public var message: String
    /// How many input bytes had been consumed when the problem was found.
    public var inputOffset: Int

    public init(code: Int32, message: String, inputOffset: Int = 0) {
        self.code = code
        self.message = message
        self.inputOffset = inputOffset
    }

    public var description: String { "gzip error at input byte \(inputOffset): \(message)" }
}
