/// A `major.minor.patch` version as PostHog's semver operators read it.
///
/// Parsing follows posthog-python's `parse_semver`: surrounding white space and every leading
/// `v`/`V` are dropped, anything after the first `-` or `+` is ignored (so pre-release tags
/// compare equal to the release), missing or empty parts are 0 (`1..2` is 1.0.2), parts beyond
/// the third are ignored, and each part must be decimal digits without a leading zero.
struct SemanticVersion: Comparable, Hashable, Sendable {
    var major: Number
    var minor: Number
    var patch: Number

    init(_ major: Number, _ minor: Number, _ patch: Number) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses `text` (a value's Python `str()`), or returns `nil` when it is not a version.
    init?(parsing text: String) {
        switch Self.parseASCII(text) {
        case .parsed(let version):
            self = version
            return
        case .invalid:
            return nil
        case .unhandled:
            break
        }
        // Work on code points, as Python does: a combining mark after "-" must not hide it.
        var core = Self.stripLeadingV(PythonText.strip(text))
        if let dash = core.firstIndex(of: "-") { core = core[..<dash] }
        if let plus = core.firstIndex(of: "+") { core = core[..<plus] }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard let first = parts.first, !first.isEmpty, let major = Number(first) else { return nil }
        var minor = Number.zero
        var patch = Number.zero
        if parts.count > 1, !parts[1].isEmpty {
            guard let value = Number(parts[1]) else { return nil }
            minor = value
        }
        if parts.count > 2, !parts[2].isEmpty {
            guard let value = Number(parts[2]) else { return nil }
            patch = value
        }
        self.init(major, minor, patch)
    }

    private enum FastParse {
        case parsed(SemanticVersion)
        case invalid
        /// Non-ASCII text or very long numbers: left to the general parser.
        case unhandled
    }

    /// The common case, without allocating: ASCII text whose numbers fit in 64 bits.
    private static func parseASCII(_ text: String) -> FastParse {
        var text = text
        return text.withUTF8 { bytes -> FastParse in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return .unhandled }
            var start = 0
            var end = bytes.count
            while start < end, isASCIISpace(bytes[start]) { start += 1 }
            while end > start, isASCIISpace(bytes[end - 1]) { end -= 1 }
            while start < end, bytes[start] | 0x20 == UInt8(ascii: "v") { start += 1 }
            // Only the text before the first "-" or "+" counts.
            var coreEnd = start
            while coreEnd < end, bytes[coreEnd] != UInt8(ascii: "-"), bytes[coreEnd] != UInt8(ascii: "+") {
                coreEnd += 1
            }
            var major: UInt64 = 0, minor: UInt64 = 0, patch: UInt64 = 0
            var i = start
            for part in 0..<3 {
                let partStart = i
                var value: UInt64 = 0
                while i < coreEnd, PythonText.isDigit(bytes[i]) {
                    guard i - partStart < 18 else { return .unhandled }
                    value = value * 10 + UInt64(bytes[i] - 0x30)
                    i += 1
                }
                let length = i - partStart
                // Each part is all digits, without a leading zero; only the first may not be empty.
                guard i == coreEnd || bytes[i] == UInt8(ascii: ".") else { return .invalid }
                if length == 0 && part == 0 { return .invalid }
                if length > 1 && bytes[partStart] == UInt8(ascii: "0") { return .invalid }
                switch part {
                case 0: major = value
                case 1: minor = value
                default: patch = value
                }
                if i == coreEnd { break }
                i += 1  // past the ".": anything after the third part is ignored
            }
            return .parsed(SemanticVersion(Number(major), Number(minor), Number(patch)))
        }
    }

    /// ASCII characters Python's `str.strip()` removes.
    @inline(__always)
    private static func isASCIISpace(_ byte: UInt8) -> Bool {
        (0x09...0x0D).contains(byte) || (0x1C...0x20).contains(byte)
    }

    static func < (lhs: Self, rhs: Self) -> Bool {
        if lhs.major != rhs.major { return lhs.major < rhs.major }
        if lhs.minor != rhs.minor { return lhs.minor < rhs.minor }
        return lhs.patch < rhs.patch
    }

    /// `~X.Y.Z`: `[X.Y.Z, X.(Y+1).0)`, bumping the minor version even for `~1`.
    static func tildeRange(_ text: String) -> Range<SemanticVersion>? {
        guard let v = SemanticVersion(parsing: text) else { return nil }
        return v..<SemanticVersion(v.major, v.minor.incremented(), .zero)
    }

    /// `^X.Y.Z`: up to the next major version; for 0.Y up to the next minor; for 0.0.Z the next patch.
    static func caretRange(_ text: String) -> Range<SemanticVersion>? {
        guard let v = SemanticVersion(parsing: text) else { return nil }
        let upper: SemanticVersion
        if v.major != .zero {
            upper = SemanticVersion(v.major.incremented(), .zero, .zero)
        } else if v.minor != .zero {
            upper = SemanticVersion(.zero, v.minor.incremented(), .zero)
        } else {
            upper = SemanticVersion(.zero, .zero, v.patch.incremented())
        }
        return v..<upper
    }

    /// `X.*`, `X.Y.*` or `X.Y.Z` with the wildcards removed: the range that fixes the given parts.
    static func wildcardRange(_ text: String) -> Range<SemanticVersion>? {
        var cleaned = Self.stripLeadingV(PythonText.strip(text)).filter { $0 != "*" }[...]
        while cleaned.last == "." { cleaned.removeLast() }
        let parts = cleaned.split(separator: ".")
        guard !parts.isEmpty else { return nil }
        var numbers: [Number] = []
        for part in parts.prefix(3) {
            guard let n = Number(part) else { return nil }
            numbers.append(n)
        }
        switch numbers.count {
        case 1:
            return SemanticVersion(numbers[0], .zero, .zero)..<SemanticVersion(numbers[0].incremented(), .zero, .zero)
        case 2:
            return SemanticVersion(numbers[0], numbers[1], .zero)..<SemanticVersion(numbers[0], numbers[1].incremented(), .zero)
        default:
            return SemanticVersion(numbers[0], numbers[1], numbers[2])..<SemanticVersion(numbers[0], numbers[1], numbers[2].incremented())
        }
    }

    private static func stripLeadingV(_ text: Substring) -> Substring.UnicodeScalarView {
        text.unicodeScalars.drop(while: { $0 == "v" || $0 == "V" })
    }
}

extension SemanticVersion {
    /// A non-negative integer of any size. Values below 10^19 are held as integers; longer ones
    /// keep their canonical digits (no leading zeros).
    struct Number: Comparable, Hashable, Sendable {
        private static let smallLimit: UInt64 = 10_000_000_000_000_000_000

        private let small: UInt64
        private let digits: String?

        static let zero = Number(0)

        init(_ value: UInt64) {
            if value < Self.smallLimit {
                self.init(small: value, digits: nil)
            } else {
                self.init(small: 0, digits: String(value))
            }
        }

        private init(canonical: String) {
            if canonical.utf8.count < 20, let value = UInt64(canonical) {
                self.init(value)
            } else {
                self.init(small: 0, digits: canonical)
            }
        }

        private init(small: UInt64, digits: String?) {
            self.small = small
            self.digits = digits
        }

        /// A semver numeric identifier: Unicode decimal digits, no leading ASCII `0` unless it is
        /// just `"0"`.
        init?(_ text: Substring.UnicodeScalarView) {
            guard !text.isEmpty else { return nil }
            if text.count > 1, text.first == "0" { return nil }
            var ascii = ""
            for scalar in text {
                guard let digit = PythonText.decimalDigitValue(scalar) else { return nil }
                ascii.unicodeScalars.append(Unicode.Scalar(UInt8(0x30 + digit)))
            }
            let trimmed = ascii.drop(while: { $0 == "0" })
            self.init(canonical: trimmed.isEmpty ? "0" : String(trimmed))
        }

        private var canonicalDigits: String { digits ?? String(small) }

        func incremented() -> Number {
            if digits == nil { return Number(small + 1) }
            var bytes = Array(canonicalDigits.utf8)
            var index = bytes.count - 1
            while index >= 0 {
                if bytes[index] == UInt8(ascii: "9") {
                    bytes[index] = UInt8(ascii: "0")
                    index -= 1
                } else {
                    bytes[index] += 1
                    return Number(canonical: String(decoding: bytes, as: UTF8.self))
                }
            }
            return Number(canonical: "1" + String(decoding: bytes, as: UTF8.self))
        }

        static func < (lhs: Self, rhs: Self) -> Bool {
            switch (lhs.digits, rhs.digits) {
            case (nil, nil): return lhs.small < rhs.small
            case (nil, _?): return true
            case (_?, nil): return false
            case (let l?, let r?):
                if l.utf8.count != r.utf8.count { return l.utf8.count < r.utf8.count }
                return l.utf8.lexicographicallyPrecedes(r.utf8)
            }
        }
    }
}
