/// PostHog's deterministic bucketing hash.
///
/// `SHA1(prefix + value + salt)`, the first 15 hex digits (60 bits) read as an integer and
/// divided by `0xFFFFFFFFFFFFFFF` in double precision, giving a number in `[0, 1]`.
public enum FlagHash {
    /// `0xFFFFFFFFFFFFFFF` as a double (exactly 2^60 after rounding, as in Python).
    static let scale = Double(0x0FFF_FFFF_FFFF_FFFF as UInt64)

    /// The hash for rollout (`salt: ""`) or variant (`salt: "variant"`) bucketing:
    /// `SHA1("\(key).\(bucketingValue)\(salt)")`.
    public static func bucket(key: String, bucketingValue: String, salt: String = "") -> Double {
        value(of: key + "." + bucketingValue + salt)
    }

    /// The holdout hash: `SHA1("holdout-\(bucketingValue)")`, shared by every flag in a holdout.
    public static func holdout(bucketingValue: String) -> Double {
        value(of: "holdout-" + bucketingValue)
    }

    /// The first 15 hex digits of `SHA1(input)` as an integer.
    public static func prefix60(of input: String) -> UInt64 {
        var input = input
        return input.withUTF8 { bytes in
            SHA1.leadingBits(
                UnsafeRawBufferPointer(bytes), UnsafeRawBufferPointer(start: nil, count: 0),
                UnsafeRawBufferPointer(start: nil, count: 0)) >> 4
        }
    }

    /// The bucketing hash of the UTF-8 bytes of `input`.
    public static func value(of input: String) -> Double {
        Double(prefix60(of: input)) / scale
    }

    /// The hash of `prefix` followed by `value` and `suffix`, without building the string.
    /// `prefix` is usually the precomputed UTF-8 of `"<flag key>."`.
    static func value(prefix: [UInt8], value: String, suffix: StaticString = "") -> Double {
        var value = value
        let bits = prefix.withUnsafeBytes { prefix in
            value.withUTF8 { value in
                SHA1.leadingBits(
                    prefix, UnsafeRawBufferPointer(value),
                    UnsafeRawBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount))
            }
        }
        return Double(bits >> 4) / scale
    }
}
