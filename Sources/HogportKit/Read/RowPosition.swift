/// Where a row sits in the job's inputs: which file, the line it starts on, the byte offset just
/// past it (where reading resumes), and the counts of that file up to and including it.
public struct RowPosition: Sendable, Equatable {
    public var fileIndex: Int
    public var line: Int
    public var endOffset: Int64

    public init(fileIndex: Int, line: Int, endOffset: Int64) {
        self.fileIndex = fileIndex
        self.line = line
        self.endOffset = endOffset
    }
}
