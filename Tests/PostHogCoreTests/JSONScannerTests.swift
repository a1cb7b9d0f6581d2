import PostHogCore
import Testing

@Suite("JSONScanner: validation and member ranges without building values")
struct JSONScannerTests {
    /// Scans `text`, or nil when the scanner refuses it.
    func members(_ text: [UInt8]) -> [JSONScanner.Member]? {
        text.withUnsafeBufferPointer { try? JSONScanner.members(of: $0) }
    }

    @Test("members of 3000 random objects: the same keys, and values that parse to the parser's")
    func randomObjects() throws {
        var generator = JSONTextGenerator(seed: 0x5343_414E)
        var scanned = 0
        for n in 0..<3000 {
            _ = generator.document()
            let text = Array(#"{"first": "#.utf8) + generator.text + Array(#" , "n":\#(n)}"#.utf8)
            let parsed = try JSONParser.parse(text)
            guard let found = members(text) else {
                // Only a lone-surrogate escape, which the parser replaces, may be refused.
                let error = text.withUnsafeBufferPointer { buffer -> JSONScanner.Unsuitable? in
                    do throws(JSONScanner.Unsuitable) {
                        _ = try JSONScanner.members(of: buffer)
                        return nil
                    } catch { return error }
                }
                #expect(error?.reason.contains("surrogate") == true, "document \(n): \(String(describing: error))")
                continue
            }
            scanned += 1
            #expect(found.map(\.key) == ["first", "n"])
            for member in found {
                let value = try text.withUnsafeBufferPointer { try JSONScanner.value(in: $0, at: member.value) }
                #expect(strictlyEqual(value, parsed[member.key]!), "document \(n), member \(member.key)")
                #expect(member.kind == text[member.value.lowerBound])
            }
        }
        #expect(scanned > 2500, "the generator writes few lone surrogates; most documents must scan")
    }

    @Test("damaged objects: the scanner refuses exactly what the parser refuses")
    func damagedObjects() {
        var generator = JSONTextGenerator(seed: 99)
        var rng = CoreTestRandom(seed: 5)
        var refusedBoth = 0
        for _ in 0..<3000 {
            _ = generator.document()
            var text = Array(#"{"v":"#.utf8) + generator.text + Array("}".utf8)
            switch rng.int(0...3) {
            case 0: text.removeLast(rng.int(1...min(4, text.count)))
            case 1: text[rng.int(0...(text.count - 1))] = [UInt8(ascii: ","), UInt8(ascii: "\""), 0xFF, 0x01, UInt8(ascii: "}")][rng.int(0...4)]
            case 2: text.insert(UInt8(ascii: "\\"), at: rng.int(0...text.count))
            default: text.append(contentsOf: Array(" x".utf8))
            }
            let parserAccepts = (try? JSONParser.parse(text))?.objectValue != nil
            let scannerError = text.withUnsafeBufferPointer { buffer -> JSONScanner.Unsuitable? in
                do throws(JSONScanner.Unsuitable) {
                    _ = try JSONScanner.members(of: buffer)
                    return nil
                } catch { return error }
            }
            if parserAccepts {
                #expect(scannerError == nil || scannerError!.reason.contains("surrogate"), "\(String(decoding: text, as: UTF8.self))")
            } else {
                #expect(scannerError != nil, "accepted invalid \(String(decoding: text, as: UTF8.self))")
                refusedBoth += 1
            }
        }
        #expect(refusedBoth > 1000)
    }

    @Test("error offsets match the parser's for invalid UTF-8 and bad escapes")
    func errorOffsets() {
        let cases: [[UInt8]] = [
            Array(#"{"a":"ok"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
            Array(#"{"a":"\q"}"#.utf8),
            Array(#"{"a":[1,2}"#.utf8),
            Array(#"{"a":1,}"#.utf8),
        ]
        for text in cases {
            var parserOffset: Int?
            do { _ = try JSONParser.parse(text) } catch { parserOffset = error.offset }
            let scannerOffset = text.withUnsafeBufferPointer { buffer -> Int? in
                do throws(JSONScanner.Unsuitable) {
                    _ = try JSONScanner.members(of: buffer)
                    return nil
                } catch { return error.offset }
            }
            #expect(parserOffset != nil)
            #expect(scannerOffset == parserOffset, "\(String(decoding: text, as: UTF8.self))")
        }
    }

    @Test("a lone surrogate escape is refused; a pair is fine")
    func surrogates() {
        #expect(members(Array(#"{"a":"\ud83d\ude00"}"#.utf8))?.count == 1)
        #expect(members(Array(#"{"a":"\ud83d"}"#.utf8)) == nil)
        #expect(members(Array(#"{"a":"\ude00x"}"#.utf8)) == nil)
        #expect(members(Array(#"{"a":"\ud83d\u0041"}"#.utf8)) == nil)
    }

    @Test("sub-ranges, arrays, duplicates and strings")
    func ranges() throws {
        let text = Array(#"xx{"a":1,"a":[true,{"b":null}],"s":"h\u00e9\n"}yy"#.utf8)
        try text.withUnsafeBufferPointer { buffer in
            let found = try JSONScanner.members(of: buffer, in: 2..<(buffer.count - 2))
            #expect(found.map(\.key) == ["a", "a", "s"])
            #expect(String(decoding: UnsafeBufferPointer(rebasing: buffer[found[1].value]), as: UTF8.self) == #"[true,{"b":null}]"#)
            let elements = try JSONScanner.elements(of: buffer, in: found[1].value)
            #expect(elements.map { String(decoding: UnsafeBufferPointer(rebasing: buffer[$0]), as: UTF8.self) } == ["true", #"{"b":null}"#])
            #expect(JSONScanner.string(in: buffer, at: found[2].value) == "hé\n")
            #expect(JSONScanner.string(in: buffer, at: found[0].value) == nil)
            #expect(found[2].isString && !found[1].isObject && found[1].kind == UInt8(ascii: "["))
        }
        #expect(members(Array("[1]".utf8)) == nil)
        #expect(members(Array("  {}  ".utf8)) == [])
    }
}

@Suite("JSONScanner: depth and arrays of objects")
struct JSONScannerDepthTests {
    @Test("nesting is limited exactly where the parser limits it")
    func depth() {
        for depth in [JSONParser.maximumDepth - 1, JSONParser.maximumDepth, JSONParser.maximumDepth + 1] {
            // An object whose member holds `depth - 1` nested arrays: `depth` containers in all.
            let text = Array(("{\"a\":" + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "}").utf8)
            let parses = (try? JSONParser.parse(text)) != nil
            let scans = text.withUnsafeBufferPointer { (try? JSONScanner.members(of: $0)) != nil }
            #expect(parses == scans, "depth \(depth)")
            let array = Array(("[" + String(repeating: "{\"a\":", count: depth - 1) + "1" + String(repeating: "}", count: depth - 1) + "]").utf8)
            let arrayParses = (try? JSONParser.parse(array)) != nil
            let arrayScans = array.withUnsafeBufferPointer { (try? JSONScanner.objectElements(of: $0)) != nil }
            #expect(arrayParses == arrayScans, "array, depth \(depth)")
        }
    }

    @Test("objectElements: members of each object in one pass, other elements located")
    func objectElements() throws {
        let text = Array(#"[{"a":1,"b":{"c":[2]}}, 7 ,{"d":"x"}]"#.utf8)
        try text.withUnsafeBufferPointer { buffer in
            let elements = try JSONScanner.objectElements(of: buffer)
            #expect(elements.count == 3)
            #expect(elements[0].members?.map(\.key) == ["a", "b"])
            #expect(elements[1].members == nil)
            #expect(String(decoding: UnsafeBufferPointer(rebasing: buffer[elements[1].range]), as: UTF8.self) == "7")
            #expect(elements[2].members?.map(\.key) == ["d"])
            #expect(JSONScanner.string(in: buffer, at: elements[2].members![0].value) == "x")
        }
        #expect(Array(#"[{"a":1},{"b":}]"#.utf8).withUnsafeBufferPointer { (try? JSONScanner.objectElements(of: $0)) == nil })
    }

    @Test("members(expanding:) gives the expanded array's elements in the same pass")
    func expanding() throws {
        var generator = JSONTextGenerator(seed: 31)
        for _ in 0..<300 {
            var parts: [String] = []
            for _ in 0..<3 {
                _ = generator.document()
                parts.append("{\"v\":" + String(decoding: generator.text, as: UTF8.self) + "}")
            }
            let text = Array(("{\"api_key\":\"k\",\"batch\":[" + parts.joined(separator: ",") + ",7],\"n\":1.5e3}").utf8)
            let expected = text.withUnsafeBufferPointer { buffer -> [JSONScanner.Element]? in
                guard let members = try? JSONScanner.members(of: buffer), let batch = members.first(where: { $0.key == "batch" }) else { return nil }
                return try? JSONScanner.objectElements(of: buffer, in: batch.value)
            }
            let found = text.withUnsafeBufferPointer { try? JSONScanner.members(of: $0, expanding: "batch") }
            #expect((expected == nil) == (found == nil))
            guard let expected, let found else { continue }
            #expect(found.members.map(\.key) == ["api_key", "batch", "n"])
            #expect(found.elements?.map(\.range) == expected.map(\.range))
            #expect(found.elements?.map { $0.members?.map(\.key) } == expected.map { $0.members?.map(\.key) })
        }
    }

    @Test("numbers: grammar and range as the parser checks them")
    func numbers() {
        for text in [
            "0", "-0", "12", "-3.25", "1e3", "1E-3", "2.5e+10", "1e400", "-", "01", "1.", ".5", "1e", "--1", "1.2.3", String(repeating: "9", count: 400),
        ] {
            let doc = Array("{\"a\":\(text)}".utf8)
            let parses = (try? JSONParser.parse(doc)) != nil
            let scans = doc.withUnsafeBufferPointer { (try? JSONScanner.members(of: $0)) != nil }
            #expect(parses == scans, "\(text)")
        }
    }
}
