import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// CSVReader: RFC 4180 records with positions, errors that let reading go on, big inputs, and a
/// comparison with Python's csv module.
@Suite("CSVReader")
struct CSVReaderTests {
    func read(_ text: String, chunk: Int = .max) throws -> [ReadRecord] {
        var reader = CSVReader(source: MemoryByteSource(text, chunk: chunk), name: "mem.csv")
        return try reader.readAll()
    }

    func read(_ bytes: [UInt8], chunk: Int = .max) throws -> [ReadRecord] {
        var reader = CSVReader(source: MemoryByteSource(bytes, chunk: chunk), name: "mem.csv")
        return try reader.readAll()
    }

    @Test("quoted fields: delimiters inside quotes, doubled quotes, empty quoted fields")
    func quotedFields() throws {
        let got = try read("a,\"b,c\",\"d\"\"e\",\"\",\"\"\"\"\n")
        #expect(got.map(\.fields) == [["a", "b,c", "d\"e", "", "\""]])
    }

    @Test("newlines inside quotes: the field keeps them, line numbers count physical lines")
    func newlinesInQuotes() throws {
        let text = "h1,h2\n\"x\ny\",z\np,q\n\"1\r\n2\n3\",w\r\nlast,row"
        let got = try read(text)
        #expect(got.map(\.fields) == [["h1", "h2"], ["x\ny", "z"], ["p", "q"], ["1\r\n2\n3", "w"], ["last", "row"]])
        #expect(got.map(\.line) == [1, 2, 4, 5, 8])
    }

    @Test("CRLF and LF record ends; a final record without a newline")
    func recordEnds() throws {
        let got = try read("a,b\r\nc,d\ne,f")
        #expect(got.map(\.fields) == [["a", "b"], ["c", "d"], ["e", "f"]])
        #expect(got.map(\.offset) == [0, 5, 9])
        #expect(got.map(\.endOffset) == [5, 9, 12])
        #expect(try read("\"quoted at end\"").map(\.fields) == [["quoted at end"]])
        #expect(try read("x,\"y\"\r\n").map(\.fields) == [["x", "y"]])
    }

    @Test("a UTF-8 byte-order mark is not part of the first column name")
    func byteOrderMark() throws {
        let got = try read(utf8BOM + Array("event,distinct_id\nx,u\n".utf8))
        #expect(got.first?.fields == ["event", "distinct_id"])
        #expect(got.first?.offset == 3)
        #expect(try read(utf8BOM + Array("\"event\",b\n".utf8)).first?.fields == ["event", "b"])
    }

    @Test("a byte-order mark is skipped even when the source returns fewer than 3 bytes per read")
    func byteOrderMarkInSmallReads() throws {
        for chunk in [1, 2] {
            #expect(try read(utf8BOM + Array("event,b\n".utf8), chunk: chunk).first?.fields == ["event", "b"], "chunk \(chunk)")
        }
    }

    @Test("empty fields, a trailing comma, and blank lines")
    func emptyFields() throws {
        #expect(try read(",,\n").map(\.fields) == [["", "", ""]])
        #expect(try read("a,,b\n").map(\.fields) == [["a", "", "b"]])
        #expect(try read("a,b,\n").map(\.fields) == [["a", "b", ""]])
        #expect(try read("a,b,").map(\.fields) == [["a", "b", ""]])
        #expect(try read("a,b,\r\n").map(\.fields) == [["a", "b", ""]])
        // A blank line is a record of one empty field (RowReader skips those).
        let blank = try read("a\n\nb\n")
        #expect(blank.map(\.fields) == [["a"], [""], ["b"]])
        #expect(blank.map(\.line) == [1, 2, 3])
    }

    @Test("an unterminated quote rejects its line only; the records after it are read")
    func unterminatedQuote() throws {
        let got = try read("a,b\n\"never closed,c\r\nd,e\nf,g\n")
        #expect(got.count == 4, "\(got)")
        #expect(got[0].fields == ["a", "b"])
        guard case .error(let reason, let line, let offset, let end, let raw) = got[1] else {
            Issue.record("expected a record error, got \(got)")
            return
        }
        #expect(reason.contains("unterminated"))
        #expect(line == 2)
        #expect(offset == 4)
        #expect(end == 21)
        #expect(raw == "\"never closed,c")
        #expect(got[2].fields == ["d", "e"])
        #expect(got[2].line == 3)
        #expect(got[3].fields == ["f", "g"])
        #expect(got[3].line == 4)
    }

    @Test("junk after a closing quote is a record error; reading continues at the next line")
    func junkAfterQuote() throws {
        let got = try read("a,b\n\"x\"y,z\nc,d\n\"multi\nline\"junk,q\ne,f")
        #expect(got.count == 5)
        #expect(got[0].fields == ["a", "b"])
        #expect(got[1].isError)
        #expect(got[1].line == 2)
        if case .error(let reason, _, _, _, let raw) = got[1] {
            #expect(reason.contains("after a closing quote"))
            #expect(raw == "\"x\"y,z")
        }
        #expect(got[2] == .record(fields: ["c", "d"], line: 3, offset: 11, endOffset: 15, raw: "c,d"))
        #expect(got[3].isError)
        #expect(got[3].line == 4)
        #expect(got[4].fields == ["e", "f"])
        #expect(got[4].line == 6)
    }

    @Test("offsets are contiguous and raw is the record's bytes without its terminator")
    func offsetsAndRaw() throws {
        let text = "h,i\r\n\"a\nb\",c\nd,\"e\"\"\"\r\n,\nlast"
        let got = try read(text)
        let bytes = Array(text.utf8)
        #expect(got.first?.offset == 0)
        for (a, b) in zip(got, got.dropFirst()) { #expect(a.endOffset == b.offset) }
        #expect(got.last?.endOffset == Int64(bytes.count))
        for record in got {
            guard case .record(_, _, let offset, let end, let raw) = record else { continue }
            let slice = String(decoding: bytes[Int(offset)..<Int(end)], as: UTF8.self)
            #expect(slice.hasPrefix(raw))
            #expect(["", "\n", "\r\n"].contains(String(slice.dropFirst(raw.count))))
        }
    }

    @Test("reading in tiny chunks gives the same records as reading at once")
    func chunkingInvariance() throws {
        let text = "h1,\"h 2\"\r\n\"a\r\nb\",\"c\"\"\",\r\nplain,\"x\"\"y\"\"\"\r\n\n\"q\"junk,1\nz,\"\"\r\nend,\"of\r\nfile\""
        let whole = try read(text)
        #expect(whole.count == 7)
        for chunk in [1, 2, 3, 4, 7] {
            #expect(try read(text, chunk: chunk) == whole, "chunk \(chunk)")
        }
    }

    @Test("records spanning the 256 KiB read buffer: fields, lines and offsets stay right")
    func bigInput() throws {
        var text = "id,body,tail\r\n"
        var expected: [[String]] = [["id", "body", "tail"]]
        var lines = [1]
        var line = 2
        for n in 0..<3_000 {
            // Quoted fields with newlines and doubled quotes, of varying length, so record
            // boundaries, quotes and CRLF pairs fall on every kind of buffer boundary.
            let body = String(repeating: "word\(n % 7) ", count: n % 90) + "\"q\"\n" + String(repeating: "é", count: n % 13)
            let quoted = "\"" + body.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            text += "\(n),\(quoted),t\(n)\r\n"
            expected.append(["\(n)", body, "t\(n)"])
            lines.append(line)
            line += 2
        }
        #expect(text.utf8.count > 3 * 256 * 1024)
        let got = try read(text)
        #expect(got.count == expected.count)
        #expect(got.map(\.fields) == expected.map { Optional($0) })
        #expect(got.map(\.line) == lines)
        for (a, b) in zip(got, got.dropFirst()) { #expect(a.endOffset == b.offset) }
        // A source that returns odd-sized pieces gives the same records.
        #expect(try read(text, chunk: 65_537) == got)
    }

    @Test("skip(toOffset:line:) resumes at a record start with the next line number")
    func skipResumes() throws {
        let text = "h\n\"a\nb\"\nc\n\"d\"\ne"
        let all = try read(text)
        for (index, record) in all.enumerated() {
            var reader = CSVReader(source: MemoryByteSource(text, chunk: 2), name: "mem.csv")
            let nextLine = index + 1 < all.count ? all[index + 1].line : record.line + 1
            try reader.skip(toOffset: record.endOffset, line: nextLine)
            #expect(try reader.readAll() == Array(all[(index + 1)...]), "after record \(index)")
        }
    }

    @Test("skip(toOffset:line:) inside a record, or past the end, is an InputError")
    func skipErrors() throws {
        var inside = CSVReader(source: MemoryByteSource("a,b\n\"c\nd\",e\n"), name: "x.csv")
        #expect(throws: InputError.self) { try inside.skip(toOffset: 6, line: 2) }
        var short = CSVReader(source: MemoryByteSource("a,b\n"), name: "x.csv")
        #expect {
            try short.skip(toOffset: 50, line: 9)
        } throws: { error in
            (error as? InputError)?.file == "x.csv"
        }
    }

    // MARK: Python's csv module

    static let python: String? = {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(directory)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// A reproducible tricky CSV file: quotes, doubled quotes, delimiters, LF and CRLF inside
    /// quotes, unicode, empty fields, blank lines, mixed record ends, no final newline.
    static func trickyCSV(records: Int, seed: UInt64) -> String {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let plain = ["a", "hello world", "42", "01234", " spaced ", "héllo ✓", "日本語", "x'y", "tab\there", "-1.5", "true"]
        let needsQuotes = ["a,b", "say \"hi\"", "line1\nline2", "crlf\r\ninside", "\"", ",", "\n", "end\"", "mix,\"q\"\nz", ""]
        var out = ""
        for r in 0..<records {
            if next(17) == 0 { out += "\n" }  // a blank line
            let fields = 1 + next(6)
            var cells: [String] = []
            for f in 0..<fields {
                switch next(4) {
                case 0: cells.append(f == 0 && fields == 1 ? "solo" : "")
                case 1: cells.append(plain[next(plain.count)])
                default:
                    let value = needsQuotes[next(needsQuotes.count)]
                    cells.append("\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
                }
            }
            out += cells.joined(separator: ",")
            if r < records - 1 || next(2) == 0 { out += next(3) == 0 ? "\r\n" : "\n" }
        }
        return out
    }

    @Test("agrees with Python's csv module on a generated tricky file (fields and start lines)", .enabled(if: python != nil))
    func agreesWithPython() async throws {
        try withTemporaryDirectory { dir in
            let text = Self.trickyCSV(records: 2_500, seed: 20_240_301)
            let path = try dir.write("tricky.csv", utf8BOM + Array(text.utf8))
            let script = try dir.write(
                "read.py",
                """
                import csv, json, sys
                out = []
                with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:
                    reader = csv.reader(f, strict=True)
                    previous = 0
                    for row in reader:
                        out.append({"line": previous + 1, "fields": row})
                        previous = reader.line_num
                with open(sys.argv[2], 'w', encoding='utf-8') as f:
                    json.dump(out, f, ensure_ascii=False)
                """)
            let output = dir.file("python.json")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.python!)
            process.arguments = [script, path, output]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0)
            let python = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: output)))).arrayValue ?? []

            var reader = CSVReader(source: try InputFile.open(path), name: path)
            let ours = try reader.readAll()
            #expect(!ours.contains { $0.isError })
            let oursNormalized: [(Int, [String])] = ours.map { record in
                guard case .record(let fields, let line, _, _, let raw) = record else { return (record.line, ["<error>"]) }
                // Python returns [] for a blank line; we return one empty field with no raw bytes.
                return (line, raw.isEmpty ? [] : fields)
            }
            let theirs: [(Int, [String])] = python.map { item in
                (Int(item["line"]?.intValue ?? -1), (item["fields"]?.arrayValue ?? []).map { $0.stringValue ?? "<non-string>" })
            }
            #expect(oursNormalized.count == theirs.count)
            var mismatches = 0
            for (index, (a, b)) in zip(oursNormalized, theirs).enumerated() where a.0 != b.0 || a.1 != b.1 {
                mismatches += 1
                if mismatches <= 5 { Issue.record("record \(index): ours line \(a.0) \(a.1), Python line \(b.0) \(b.1)") }
            }
            #expect(mismatches == 0)
            #expect(theirs.count > 2_500)
        }
    }
}
