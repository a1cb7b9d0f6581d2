import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// ZipArchive and the zip hooks of InputExpander, InputFile and FileIdentity (Amplitude exports).
@Suite("Preset inputs: zip archives")
struct PresetZipTests {
    /// Builds a zip in memory: stored or deflated entries, optionally with a wrong CRC or method.
    struct ZipBuilder {
        struct Entry {
            var name: String
            var data: [UInt8]
            var deflate = false
            var method: UInt16? = nil
            var flags: UInt16 = 0
            var badCRC = false
        }
        var entries: [Entry] = []
        /// The archive comment, after the end-of-central-directory record.
        var comment: [UInt8] = []

        func bytes() throws -> [UInt8] {
            var out: [UInt8] = []
            var directory: [UInt8] = []
            func u16(_ v: UInt16, _ b: inout [UInt8]) { b += [UInt8(v & 0xFF), UInt8(v >> 8)] }
            func u32(_ v: UInt32, _ b: inout [UInt8]) {
                u16(UInt16(v & 0xFFFF), &b)
                u16(UInt16(v >> 16), &b)
            }
            for e in entries {
                // A gzip member without its 10-byte header and 8-byte trailer is raw deflate.
                let payload = e.deflate ? Array(try Gzip.compress(e.data, level: 6).dropFirst(10).dropLast(8)) : e.data
                let method = e.method ?? (e.deflate ? 8 : 0)
                var crc = CRC32.update(0, e.data[...])
                if e.badCRC { crc ^= 1 }
                let offset = UInt32(out.count)
                let name = Array(e.name.utf8)
                u32(0x0403_4b50, &out)
                u16(20, &out)
                u16(e.flags, &out)
                u16(method, &out)
                u16(0x6000, &out)
                u16(0x58E6, &out)
                u32(crc, &out)
                u32(UInt32(payload.count), &out)
                u32(UInt32(e.data.count), &out)
                u16(UInt16(name.count), &out)
                u16(0, &out)
                out += name + payload
                u32(0x0201_4b50, &directory)
                u16(20, &directory)
                u16(20, &directory)
                u16(e.flags, &directory)
                u16(method, &directory)
                u16(0x6000, &directory)
                u16(0x58E6, &directory)
                u32(crc, &directory)
                u32(UInt32(payload.count), &directory)
                u32(UInt32(e.data.count), &directory)
                u16(UInt16(name.count), &directory)
                u16(0, &directory)
                u16(0, &directory)
                u16(0, &directory)
                u16(0, &directory)
                u32(0, &directory)
                u32(offset, &directory)
                directory += name
            }
            let directoryOffset = UInt32(out.count)
            out += directory
            u32(0x0605_4b50, &out)
            u16(0, &out)
            u16(0, &out)
            u16(UInt16(entries.count), &out)
            u16(UInt16(entries.count), &out)
            u32(UInt32(directory.count), &out)
            u32(directoryOffset, &out)
            u16(UInt16(comment.count), &out)
            return out + comment
        }
    }

    func readAll(_ path: String) throws -> String {
        var source = try InputFile.open(path)
        var bytes: [UInt8] = []
        while try source.read(into: &bytes, count: 7) > 0 {}
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("the shared Amplitude export: two gzipped entries, expanded sorted as ARCHIVE.zip!/entry, read through gzip")
    func sharedExport() throws {
        let zip = PresetSamples.vendor("amplitude-export.zip")
        let archive = try ZipArchive(path: zip)
        #expect(archive.entries.map(\.name) == ["187520/187520_2024-07-06_0#0.json.gz", "187520/187520_2024-07-06_0#1.json.gz"])
        let paths = try InputExpander.expand([zip])
        #expect(paths == archive.entries.map { zip + "!/" + $0.name })
        let text = try readAll(paths[1])
        #expect(text.hasPrefix("{\"uuid\":\"9b1c2d3e"))
        #expect(text.split(separator: "\n").count == 1)
        let identity = try FileIdentity.of(paths[0])
        #expect(identity.size == 554)
        #expect(identity.modified > 0)
        let same = try FileIdentity.of(paths[0])
        let other = try FileIdentity.of(paths[1])
        #expect(identity == same)
        #expect(identity.headHash != other.headHash)
        #expect(identity.compared(to: identity) == .same)
    }

    @Test("an archive comment holding the record's signature is not taken for the record")
    func commentWithSignature() throws {
        try withTemporaryDirectory { dir in
            var builder = ZipBuilder(entries: [.init(name: "a.json", data: Array("{\"event_type\":\"x\"}\n".utf8))])
            // PK\5\6 and 18 bytes that would read as a record with 7 entries at offset 0.
            builder.comment = Array("note: ".utf8) + [0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0, 7, 0, 7, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0] + Array(" end".utf8)
            let path = dir.file("commented.zip")
            _ = FileManager.default.createFile(atPath: path, contents: Data(try builder.bytes()))
            let archive = try ZipArchive(path: path)
            #expect(archive.entries.map(\.name) == ["a.json"])
            #expect(try readAll(path + "!/a.json") == "{\"event_type\":\"x\"}\n")
        }
    }

    @Test("a built zip: stored and deflated entries, a directory skipped, in a directory walk too")
    func builtZip() async throws {
        try withTemporaryDirectory { dir in
            let lines = (0..<2000).map { "{\"event\":\"e\(String($0))\",\"distinct_id\":\"u\",\"timestamp\":\"2024-01-01T00:00:00Z\"}\n" }.joined()
            var builder = ZipBuilder()
            builder.entries = [
                .init(name: "b/", data: []),
                .init(name: "b/two.jsonl", data: Array(lines.utf8), deflate: true),
                .init(name: "a.json.gz", data: try Gzip.compress(Array("{\"x\":1}\n".utf8)), deflate: true),
                .init(name: "c.ndjson", data: Array("{\"y\":2}\n".utf8)),
            ]
            try FileManager.default.createDirectory(atPath: dir.file("in"), withIntermediateDirectories: true)
            let zip = try dir.write("in/export.zip", try builder.bytes())
            let paths = try InputExpander.expand([dir.file("in")])
            #expect(paths == ["a.json.gz", "b/two.jsonl", "c.ndjson"].map { zip + "!/" + $0 })
            #expect(try readAll(paths[0]) == "{\"x\":1}\n")
            #expect(try readAll(paths[1]) == lines)
            #expect(try readAll(paths[2]) == "{\"y\":2}\n")
            #expect(try FileIdentity.of(paths[1]).size == Int64(lines.utf8.count))
            // Rows come out of a deflated entry like out of a file.
            var reader = try RowReader(path: paths[1], format: .auto, mapping: ImportMapping())
            var count = 0
            while try reader.next() != nil { count += 1 }
            #expect(count == 2000)
        }
    }

    @Test("refused clearly: a wrong CRC, another method, encryption, zip64, a file that is not a zip, a missing entry")
    func refusals() async throws {
        try withTemporaryDirectory { dir in
            func error(_ entry: ZipBuilder.Entry) throws -> String? {
                let zip = try dir.write("t-\(UUID().uuidString).zip", try ZipBuilder(entries: [entry]).bytes())
                do {
                    _ = try readAll(zip + "!/" + entry.name)
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            #expect(try error(.init(name: "x.json", data: Array("{}\n".utf8), badCRC: true))?.contains("CRC-32") == true)
            #expect(try error(.init(name: "x.json", data: Array("{}\n".utf8), method: 12))?.contains("method 12") == true)
            #expect(try error(.init(name: "x.json", data: Array("{}\n".utf8), flags: 1))?.contains("encrypted") == true)

            var zip64 = try ZipBuilder(entries: [.init(name: "x.json", data: [0x7B, 0x7D])]).bytes()
            let eocd = zip64.count - 22
            zip64[eocd + 16] = 0xFF
            zip64[eocd + 17] = 0xFF
            zip64[eocd + 18] = 0xFF
            zip64[eocd + 19] = 0xFF
            let zip64Path = try dir.write("z64.zip", zip64)
            #expect(throws: ImportError.self) { try InputExpander.expand([zip64Path]) }
            do throws(InputError) {
                _ = try ZipArchive(path: zip64Path)
                Issue.record("zip64 was read")
            } catch {
                #expect(error.reason.contains("zip64"))
            }
            let notZip = try dir.write("fake.zip", "hello")
            #expect(throws: ImportError.self) { try InputExpander.expand([notZip]) }
            let good = try dir.write("good.zip", try ZipBuilder(entries: [.init(name: "x.json", data: [0x7B, 0x7D])]).bytes())
            #expect(throws: InputError.self) { try InputFile.open(good + "!/missing.json") }
        }
    }

    @Test("virtual path syntax")
    func split() {
        #expect(ZipArchive.split("a/b.zip!/c/d.json.gz")?.archive == "a/b.zip")
        #expect(ZipArchive.split("a/b.zip!/c/d.json.gz")?.entry == "c/d.json.gz")
        #expect(ZipArchive.split("a/B.ZIP!/x")?.archive == "a/B.ZIP")
        #expect(ZipArchive.split("a/b!/c") == nil)
        #expect(ZipArchive.split("a/b.zip!/") == nil)
    }
}
