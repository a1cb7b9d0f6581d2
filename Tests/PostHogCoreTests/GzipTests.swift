import Foundation
import PostHogCore
import Testing

@Suite("Gzip")
struct GzipTests {
    static func sampleJSON(events: Int) -> [UInt8] {
        var text = "["
        for i in 0..<events {
            if i > 0 { text += "," }
            text += #"{"event":"movie played","distinct_id":"user-\#(i % 97)","properties":{"genre":"noir","n":\#(i)}}"#
        }
        return Array((text + "]").utf8)
    }

    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = CoreTestRandom(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    @Test("Round trip: empty, tiny, compressible, incompressible and large inputs, every level")
    func roundTrip() throws {
        let inputs: [[UInt8]] = [
            [], [0x41], Self.sampleJSON(events: 2000), Self.randomBytes(200_000, seed: 1),
            [UInt8](repeating: 0, count: 3_000_000),
        ]
        for input in inputs {
            for level: Int32 in [1, 6, 9] {
                let compressed = try Gzip.compress(input, level: level)
                #expect(Gzip.hasMagic(compressed))
                #expect(compressed[2] == 8, "deflate method byte")
                #expect(try Gzip.decompress(compressed) == input, "\(input.count) bytes at level \(level)")
            }
        }
        let json = Self.sampleJSON(events: 2000)
        #expect(try Gzip.compress(json).count * 4 < json.count, "event JSON compresses at least 4x at level 1")
    }

    @Test("A stream of several members decompresses to their concatenation")
    func multiMember() throws {
        let parts: [[UInt8]] = [Array("first line\n".utf8), [], Self.sampleJSON(events: 50), Array("last".utf8)]
        var stream: [UInt8] = []
        for part in parts { stream += try Gzip.compress(part) }
        #expect(try Gzip.decompress(stream) == parts.flatMap { $0 })
    }

    @Test("A truncated stream throws, wherever it is cut")
    func truncated() throws {
        let compressed = try Gzip.compress(Self.sampleJSON(events: 300))
        for cut in [1, 2, 10, compressed.count / 2, compressed.count - 8, compressed.count - 1] {
            #expect(throws: GzipError.self, "cut at \(cut) of \(compressed.count)") {
                try Gzip.decompress(Array(compressed[..<cut]))
            }
        }
        // The second member cut short.
        let two = try Gzip.compress(Array("a".utf8)) + Array(compressed.dropLast(4))
        #expect(throws: GzipError.self) { try Gzip.decompress(two) }
    }

    @Test("Zero padding after the last member is accepted")
    func zeroPadding() throws {
        let input = Self.sampleJSON(events: 10)
        let padded = try Gzip.compress(input) + [UInt8](repeating: 0, count: 512)
        #expect(try Gzip.decompress(padded) == input)
        let twoPadded = try Gzip.compress(input) + Gzip.compress(input) + [0, 0, 0]
        #expect(try Gzip.decompress(twoPadded) == input + input)
    }

    @Test("Data after a member that is neither a member nor zero padding throws")
    func garbageAfterMember() throws {
        let member = try Gzip.compress(Array("hello".utf8))
        for tail: [UInt8] in [[0x41], Array("garbage".utf8), [0, 0, 1], [0x1F, 0x8B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]] {
            #expect(throws: GzipError.self, "tail \(tail)") { try Gzip.decompress(member + tail) }
        }
    }

    @Test("Input that is not gzip at all throws")
    func notGzip() {
        for input: [UInt8] in [Array(#"{"a":1}"#.utf8), [0x1F, 0x8B], [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF]] {
            #expect(throws: GzipError.self, "\(input)") { try Gzip.decompress(input) }
        }
    }

    @Test("The decompression limit is enforced, at the byte")
    func limit() throws {
        let input = [UInt8](repeating: 0x61, count: 1_000_000)
        let compressed = try Gzip.compress(input)
        #expect(try Gzip.decompress(compressed, limit: input.count) == input)
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(compressed, limit: input.count - 1) }
        #expect(error?.message.contains("exceeds") == true)
        // A bomb: 20 MB of zeros in ~20 KB stops at the limit.
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 20_000_000), level: 9)
        #expect(bomb.count < 50_000)
        #expect(throws: GzipError.self) { try Gzip.decompress(bomb, limit: 1 << 20) }
    }

    @Test("hasMagic looks at the first two bytes only")
    func magic() {
        #expect(Gzip.hasMagic([0x1F, 0x8B]))
        #expect(Gzip.hasMagic([0x1F, 0x8B, 0x08, 0x00]))
        #expect(!Gzip.hasMagic([0x1F]))
        #expect(!Gzip.hasMagic([]))
        #expect(!Gzip.hasMagic([0x8B, 0x1F]))
        #expect(!Gzip.hasMagic(Array("{}".utf8)))
    }

    @Test("Streaming Deflater and Inflater fed in pieces match the one-shot forms")
    func streaming() throws {
        let input = Self.sampleJSON(events: 3000)
        let deflater = try Deflater(level: 1)
        var compressed: [UInt8] = []
        var start = 0
        while start < input.count {
            let end = min(start + 7919, input.count)
            try deflater.compress(Array(input[start..<end]), finish: end == input.count, into: &compressed)
            start = end
        }
        #expect(try Gzip.decompress(compressed) == input)
        // The deflater is reusable: after finish it starts a new member.
        try deflater.compress(Array("again".utf8), finish: true, into: &compressed)
        #expect(try Gzip.decompress(compressed) == input + Array("again".utf8))

        let inflater = try Inflater()
        var output: [UInt8] = []
        start = 0
        while start < compressed.count {
            let end = min(start + 101, compressed.count)
            try inflater.decompress(Array(compressed[start..<end]), into: &output)
            if end < compressed.count - 8 { #expect(!inflater.isAtMemberEnd || output.count == input.count) }
            start = end
        }
        #expect(inflater.isAtMemberEnd)
        #expect(inflater.totalIn == compressed.count)
        #expect(output == input + Array("again".utf8))
    }

    // MARK: Interoperability with the system's gzip

    static let gzipTool: String? = ["/usr/bin/gzip", "/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `tool` with `arguments`, feeding `input` on standard input; returns standard output.
    static func run(_ tool: String, _ arguments: [String], input: [UInt8]) throws -> (status: Int32, output: [UInt8]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("in")
        let outputURL = directory.appendingPathComponent("out")
        try Data(input).write(to: inputURL)
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: inputURL)
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, Array(try Data(contentsOf: outputURL)))
    }

    @Test("Our output is readable by gzip(1), and gzip(1)'s by us", .enabled(if: gzipTool != nil))
    func systemGzip() throws {
        let tool = try #require(Self.gzipTool)
        let input = Self.sampleJSON(events: 500) + Self.randomBytes(10_000, seed: 3)
        let ours = try Gzip.compress(input)
        let decompressed = try Self.run(tool, ["-dc"], input: ours)
        #expect(decompressed.status == 0)
        #expect(decompressed.output == input)
        // Multi-member: gzip -dc reads the concatenation, as we do.
        let twoMembers = try Self.run(tool, ["-dc"], input: ours + Gzip.compress(Array("tail".utf8)))
        #expect(twoMembers.output == input + Array("tail".utf8))

        let theirs = try Self.run(tool, ["-c", "-9"], input: input)
        #expect(theirs.status == 0)
        #expect(try Gzip.decompress(theirs.output) == input)
        // `gzip -t` validates our stream, CRC and length included.
        #expect(try Self.run(tool, ["-t"], input: ours).status == 0)
    }
}
