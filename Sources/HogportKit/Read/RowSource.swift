import Logging

/// The source stage: the job's files in order, each resumed where the checkpoint left it, handed
/// out as ``RowChunk``s. Files finished by an earlier run are passed over; a compressed file is
/// checked end to end before its first row is read (``InputVerifier``), and a damaged one is
/// passed over whole and reported in ``damaged``.
struct RowSource {
    let files: [String]
    let format: InputFormat
    let mapping: ImportMapping
    let encoding: TextEncoding
    let verify: Bool
    let logger: Logger
    /// What earlier runs committed, per file index.
    let recorded: [Int: FileProgress]
    /// Rows to read at most in this run.
    let limit: Int?

    private var fileIndex = -1
    private var reader: RowReader?
    private var lastEnd = RowPosition(fileIndex: 0, line: 0, endOffset: 0)
    private var nextNumber = 0
    /// The size of the last chunk's storage: the next one reserves about as much at once instead
    /// of doubling its way there.
    private var lastChunkBytes = 0
    private(set) var rowsRead = 0
    private(set) var resumedRows = 0
    private(set) var filesSkippedAsDone = 0
    /// Files refused because their compressed data is damaged.
    private(set) var damaged: [InputError] = []
    /// Input bytes (compressed) of the files behind the current one, and of the current one so far.
    private(set) var bytesBefore: Int64 = 0
    private let sizes: [Int64]

    init(files: [String], sizes: [Int64], recorded: [Int: FileProgress], configuration: ImportConfiguration, logger: Logger) {
        self.files = files
        self.sizes = sizes
        self.recorded = recorded
        format = configuration.format
        mapping = configuration.mapping
        encoding = configuration.encoding
        verify = configuration.verifyCompressed
        limit = configuration.limit
        self.logger = logger
    }

    /// Compressed bytes consumed so far over all files.
    var bytesRead: Int64 { bytesBefore + (reader?.rawOffset ?? 0) }

    /// The name rejects and messages use for file `index`.
    func displayName(_ index: Int) -> String { files[index] == "-" ? "stdin" : files[index] }

    /// The next chunk of at most `maxRows` rows or about `maxBytes` bytes; nil when every file is read.
    mutating func next(maxRows: Int, maxBytes: Int) throws(ImportError) -> RowChunk? {
        while true {
            if reader == nil {
                guard try openNextFile() else { return nil }
            }
            if let chunk = try readChunk(maxRows: maxRows, maxBytes: maxBytes) { return chunk }
        }
    }

    private mutating func readChunk(maxRows: Int, maxBytes: Int) throws(ImportError) -> RowChunk? {
        // Taken out, not copied: a copy would share the reader's buffer, and every refill would
        // then duplicate it.
        guard var current = reader.take() else { return nil }
        var chunk = RowChunk(number: nextNumber, fileIndex: fileIndex)
        chunk.storage.reserveCapacity(min(maxBytes, lastChunkBytes + lastChunkBytes / 8) + 4096)
        var ended = false
        var limited = false
        while chunk.rows.count < maxRows && chunk.storage.count < maxBytes {
            if let limit, rowsRead >= limit {
                limited = true
                break
            }
            let next: RowReader.Row?
            do throws(ImportError) {
                next = try current.next()
            } catch {
                reader = current
                throw error
            }
            guard let row = next else {
                ended = true
                break
            }
            rowsRead += 1
            lastEnd = RowPosition(fileIndex: fileIndex, line: current.resumePoint.line, endOffset: current.resumePoint.offset)
            chunk.append(row, resume: lastEnd)
        }
        reader = current
        if ended {
            chunk.fileEnd = lastEnd
            bytesBefore += sizes[fileIndex]
            reader = nil
        } else if limited {
            // --limit: the file is not finished; nothing more is read in this run.
            reader = nil
            fileIndex = files.count
        }
        guard !chunk.rows.isEmpty || chunk.fileEnd != nil else { return nil }
        nextNumber += 1
        lastChunkBytes = chunk.storage.count
        return chunk
    }

    /// Opens the next file not finished by an earlier run; false when none is left.
    private mutating func openNextFile() throws(ImportError) -> Bool {
        while true {
            fileIndex += 1
            guard fileIndex < files.count else { return false }
            let path = files[fileIndex]
            let previous = recorded[fileIndex]
            if let previous, previous.done {
                filesSkippedAsDone += 1
                resumedRows += previous.counts.rows
                bytesBefore += sizes[fileIndex]
                continue
            }
            if verify && InputVerifier.isVerifiable(path) {
                do throws(InputError) {
                    try InputVerifier.verify(path)
                } catch {
                    logger.error("\(error.description): nothing of this file is sent (damaged compressed data; --no-verify sends the rows before the damage)")
                    damaged.append(error)
                    bytesBefore += sizes[fileIndex]
                    continue
                }
            }
            var opened = try RowReader(path: path, format: format, mapping: mapping, encoding: encoding)
            opened.parsesNDJSON = false
            if opened.isEmptyFile { logger.warning("\(displayName(fileIndex)): the file is empty; nothing to import from it") }
            lastEnd = RowPosition(fileIndex: fileIndex, line: previous?.line ?? 0, endOffset: previous?.offset ?? 0)
            if let previous, previous.offset > 0, path != "-" {
                try opened.skip(toOffset: previous.offset, line: previous.line)
                resumedRows += previous.counts.rows
                logger.info("resuming \(displayName(fileIndex)) at line \(previous.line + 1)")
            }
            reader = opened
            return true
        }
    }
}
