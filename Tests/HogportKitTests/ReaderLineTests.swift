import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// LineReader, gzip detection and InputFile: the NDJSON side of reading.
@Suite("Reader: LineReader, gzip and input files")
struct ReaderLineTests {
    func lines(_ text: String, chunk: Int = .max) throws -> [ReadLine] {
        var reader = LineReader(source: MemoryByteSource(text, chunk: chunk), name: "mem")
        return try reader.readAll()
    }

    func lines(_ bytes: [UInt8], chunk: Int = .max) throws -> [ReadLine] {
        var reader = LineReader(source: MemoryByteSource(bytes, chunk: chunk), name: "mem")
        return try reader.readAll()
    }

    @Test("LF lines: text, 1-based numbers, offsets and end offsets")
    func lfLines() throws {
        let got = try lines("a\nbb\nccc\n")
        #expect(
            got == [
                ReadLine(text: "a", number: 1, offset: 0, endOffset: 2),
                ReadLine(text: "bb", number: 2, offset: 2, endOffset: 5),
                ReadLine(text: "ccc", number: 3, offset: 5, endOffset: 9),
            ])
    }

    @Test("CRLF lines drop the CR; end offsets count both bytes")
    func crlfLines() throws {
        let got = try lines("a\r\nbb\r\n")
        #expect(got.map(\.text) == ["a", "bb"])
        #expect(got.map(\.offset) == [0, 3])
        #expect(got.map(\.endOffset) == [3, 7])
    }

    @Test("a last line without a newline is still a line (with or without a CR)")
    func noFinalNewline() throws {
        #expect(try lines("a\nb") == [ReadLine(text: "a", number: 1, offset: 0, endOffset: 2), ReadLine(text: "b", number: 2, offset: 2, endOffset: 3)])
        #expect(try lines("a\r\nb\r").map(\.text) == ["a", "b"])
        #expect(try lines("").isEmpty)
        #expect(try lines("only").map(\.text) == ["only"])
    }

    @Test("empty lines are lines (the row reader skips them), numbered")
    func emptyLines() throws {
        let got = try lines("\n\r\na\n\n")
        #expect(got.map(\.text) == ["", "", "a", ""])
        #expect(got.map(\.number) == [1, 2, 3, 4])
        #expect(got.map(\.offset) == [0, 1, 3, 5])
    }

    @Test("a UTF-8 byte-order mark is skipped; offsets stay those of the stream")
    func byteOrderMark() throws {
        let got = try lines(utf8BOM + Array("{\"a\":1}\nb\n".utf8))
        #expect(got.map(\.text) == ["{\"a\":1}", "b"])
        #expect(got[0].offset == 3)
        #expect(got[0].endOffset == 11)
        // A BOM anywhere else is content.
        #expect(try lines(Array("x\n".utf8) + utf8BOM + Array("y\n".utf8))[1].text == "\u{FEFF}y")
    }

    @Test("a byte-order mark is skipped even when the source returns fewer than 3 bytes per read")
    func byteOrderMarkInSmallReads() throws {
        // A pipe or a gzip stream may hand over the BOM in pieces.
        for chunk in [1, 2] {
            let got = try lines(utf8BOM + Array("a\nb\n".utf8), chunk: chunk)
            #expect(got.map(\.text) == ["a", "b"], "chunk \(chunk)")
        }
    }

    @Test("reading in tiny chunks gives the same lines as reading at once")
    func chunkingInvariance() throws {
        let text = "first\r\n\nsecond line\nthird\r\n\r\n{\"k\":\"v\"}\nlast"
        let whole = try lines(text)
        for chunk in [1, 2, 3, 5, 8] {
            #expect(try lines(text, chunk: chunk) == whole, "chunk \(chunk)")
        }
        #expect(whole.count == 7)
        // Offsets are contiguous: each line starts where the previous ended.
        for (a, b) in zip(whole, whole.dropFirst()) { #expect(a.endOffset == b.offset) }
        #expect(whole.last?.endOffset == Int64(text.utf8.count))
    }

    @Test("lines longer than the 256 KiB read chunk, and the maximum line length")
    func longLines() throws {
        let long = String(repeating: "x", count: 700_000)
        let got = try lines("short\n" + long + "\nafter\n")
        #expect(got.map(\.text.count) == [5, 700_000, 5])
        #expect(got[2].offset == 6 + 700_001)

        var reader = LineReader(source: MemoryByteSource("ok\n" + String(repeating: "y", count: 300_000) + "\n"), name: "big.ndjson")
        reader.maximumLineBytes = 100_000
        #expect(try reader.next()?.bytes.count == 2)
        #expect {
            _ = try reader.next()
        } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.file == "big.ndjson" && error.reason.contains("longer than")
        }
    }

    @Test("skip(toOffset:) resumes at a recorded line start with the right line numbers")
    func skipResumes() throws {
        let text = "l1\r\nl2\nl3\nl4"
        let all = try lines(text)
        for (index, line) in all.enumerated() {
            var reader = LineReader(source: MemoryByteSource(text, chunk: 3), name: "mem")
            try reader.skip(toOffset: line.endOffset, lineNumber: line.number)
            #expect(try reader.readAll() == Array(all[(index + 1)...]), "after line \(line.number)")
        }
        // Offset 0 skips nothing.
        var reader = LineReader(source: MemoryByteSource(text), name: "mem")
        try reader.skip(toOffset: 0, lineNumber: 0)
        #expect(try reader.readAll() == all)
    }

    @Test("skip(toOffset:) with a BOM: offsets recorded from a BOM file resume correctly")
    func skipWithBOM() throws {
        let bytes = utf8BOM + Array("a\nb\nc\n".utf8)
        let all = try lines(bytes)
        var reader = LineReader(source: MemoryByteSource(bytes), name: "mem")
        try reader.skip(toOffset: all[0].endOffset, lineNumber: 1)
        #expect(try reader.readAll() == Array(all[1...]))
    }

    @Test("skip(toOffset:) errors: inside a line, or past the end of the input")
    func skipErrors() throws {
        var inside = LineReader(source: MemoryByteSource("abc\ndef\n"), name: "f.ndjson")
        #expect {
            try inside.skip(toOffset: 2, lineNumber: 1)
        } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.file == "f.ndjson" && error.reason.contains("not at a line start")
        }
        var short = LineReader(source: MemoryByteSource("abc\n"), name: "f.ndjson")
        #expect {
            try short.skip(toOffset: 100, lineNumber: 9)
        } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.offset == 100 && error.reason.contains("shorter than its checkpoint")
        }
    }

    // MARK: Files and gzip

    @Test("gzip is recognised by its magic bytes, not by the file name")
    func gzipByMagic() throws {
        try withTemporaryDirectory { dir in
            let text = "{\"a\":1}\n{\"b\":2}\n"
            let gz = try Gzip.compress(Array(text.utf8))
            let disguised = try dir.write("events.txt", gz)
            let plainWithGzName = try dir.write("plain.ndjson.gz", text)
            for path in [disguised, plainWithGzName] {
                var reader = LineReader(source: try InputFile.open(path), name: path)
                #expect(try reader.readAll().map(\.text) == ["{\"a\":1}", "{\"b\":2}"], "\(path)")
            }
            // Offsets are positions in the decompressed stream.
            var reader = LineReader(source: try InputFile.open(disguised), name: disguised)
            #expect(try reader.readAll().map(\.endOffset) == [8, 16])
        }
    }

    @Test("concatenated gzip members are one stream")
    func multiMemberGzip() throws {
        try withTemporaryDirectory { dir in
            let a = try Gzip.compress(Array("one\ntw".utf8))
            let b = try Gzip.compress(Array("o\nthree\n".utf8))
            let c = try Gzip.compress(Array((0..<20_000).map { "row \($0)\n" }.joined().utf8))
            let path = try dir.write("multi.gz", a + b + c)
            var reader = LineReader(source: try InputFile.open(path), name: path)
            let got = try reader.readAll().map(\.text)
            #expect(Array(got.prefix(3)) == ["one", "two", "three"])
            #expect(got.count == 20_003)
            #expect(got.last == "row 19999")
        }
    }

    @Test("a truncated gzip file is an InputError naming the file")
    func truncatedGzip() throws {
        try withTemporaryDirectory { dir in
            let text = (0..<5_000).map { "{\"n\":\($0),\"pad\":\"\(String(repeating: "z", count: $0 % 50))\"}\n" }.joined()
            let gz = try Gzip.compress(Array(text.utf8))
            let path = try dir.write("cut.ndjson.gz", Array(gz.prefix(gz.count - 40)))
            var reader = LineReader(source: try InputFile.open(path), name: path)
            var count = 0
            #expect {
                while try reader.next() != nil { count += 1 }
            } throws: { error in
                guard let error = error as? InputError else { return false }
                return error.file == path && error.reason.contains("truncated") && error.description.contains(path)
            }
            #expect(count < 5_000)
        }
    }

    @Test("garbage after a gzip stream is an error, not silently ignored")
    func trailingGarbage() throws {
        try withTemporaryDirectory { dir in
            let gz = try Gzip.compress(Array("a\nb\n".utf8))
            let path = try dir.write("junk.gz", gz + Array("not gzip".utf8))
            var reader = LineReader(source: try InputFile.open(path), name: path)
            #expect(throws: InputError.self) { _ = try reader.readAll() }
        }
    }

    @Test("a missing file is an InputError naming it; an empty file has no lines")
    func missingAndEmpty() throws {
        try withTemporaryDirectory { dir in
            let missing = dir.file("nope.ndjson")
            #expect {
                _ = try InputFile.open(missing)
            } throws: { error in
                (error as? InputError)?.file == missing
            }
            let empty = try dir.write("empty.ndjson", "")
            var reader = LineReader(source: try InputFile.open(empty), name: empty)
            #expect(try reader.readAll().isEmpty)
        }
    }

    @Test("RowReader: blank lines skipped, non-objects and bad JSON malformed with positions")
    func rowReaderNDJSON() throws {
        try withTemporaryDirectory { dir in
            let path = try dir.write("rows.ndjson", "{\"a\":1}\n\n   \n[1,2]\n{bad\n{\"b\":2}")
            var reader = try RowReader(path: path, format: .auto, mapping: ImportMapping())
            #expect(reader.format == .ndjson)
            var got: [String] = []
            while let row = try reader.next() {
                switch row {
                case .object(let o, let line, let offset, let end, _): got.append("obj \(o.keys.sorted()) \(line) \(offset) \(end)")
                case .malformed(let reason, let line, let offset, let end, let raw):
                    got.append("bad \(line) \(offset) \(end) \(String(decoding: raw, as: UTF8.self))")
                    #expect(!reason.isEmpty)
                case .unparsed:
                    Issue.record("lines are parsed unless parsesNDJSON is off")
                }
            }
            #expect(got == ["obj [\"a\"] 1 0 8", "bad 4 13 19 [1,2]", "bad 5 19 24 {bad", "obj [\"b\"] 6 24 31"])
            // With parsing deferred, the same lines come out raw at the same positions.
            var raw = try RowReader(path: path, format: .auto, mapping: ImportMapping())
            raw.parsesNDJSON = false
            var lines: [String] = []
            while let row = try raw.next() {
                guard case .unparsed(let bytes, let line, let offset, let end) = row else {
                    Issue.record("expected an unparsed line")
                    continue
                }
                lines.append("\(line) \(offset) \(end) \(String(decoding: bytes, as: UTF8.self))")
            }
            #expect(lines == ["1 0 8 {\"a\":1}", "4 13 19 [1,2]", "5 19 24 {bad", "6 24 31 {\"b\":2}"])
        }
    }

    @Test("format detection: by name (with .gz), else by content")
    func formatDetection() throws {
        #expect(InputFormat.fromName("a/b/events.CSV") == .csv)
        #expect(InputFormat.fromName("events.jsonl.gz") == .ndjson)
        #expect(InputFormat.fromName("events.json") == .ndjson)
        #expect(InputFormat.fromName("events.log") == nil)
        #expect(InputFormat.fromContent(Array("  \n{\"a\":1}".utf8)) == .ndjson)
        #expect(InputFormat.fromContent(utf8BOM + Array("{".utf8)) == .ndjson)
        #expect(InputFormat.fromContent(Array("event,distinct_id\n".utf8)) == .csv)
        try withTemporaryDirectory { dir in
            // Content sniffing looks at the decompressed bytes.
            let gz = try dir.write("export.data", try Gzip.compress(Array("{\"event\":\"x\"}\n".utf8)))
            #expect(try RowReader(path: gz, format: .auto, mapping: ImportMapping()).format == .ndjson)
            let csv = try dir.write("export2.data", "event,distinct_id,timestamp\nx,u,2024-01-01\n")
            #expect(try RowReader(path: csv, format: .auto, mapping: ImportMapping()).format == .csv)
        }
    }

    @Test("a .tsv file, which auto-detection takes for CSV, is split on tabs")
    func tsvFile() throws {
        do {
            try withTemporaryDirectory { dir in
                let path = try dir.write("events.tsv", "event\tdistinct_id\ttimestamp\nsigned up\tuser-1\t2024-03-01\n")
                #expect(InputFormat.fromName(path) == .csv)
                var reader = try RowReader(path: path, format: .auto, mapping: ImportMapping())
                guard case .object(let row, _, _, _, _)? = try reader.next() else {
                    Issue.record("expected a row")
                    return
                }
                #expect(row["event"] == "signed up")
                #expect(row["distinct_id"] == "user-1")
            }
        }
    }
}
