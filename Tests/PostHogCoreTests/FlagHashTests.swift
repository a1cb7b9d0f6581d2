import Foundation
import PostHogCore
import Testing

@Suite("Flag bucketing hash")
struct FlagHashTests {
    @Test("known values from posthog-python")
    func knownValues() {
        // From consistency/hashes.jsonl: sha1("simple-flag.distinct_id_0")[:15] = c8a05362b9f414f.
        #expect(FlagHash.prefix60(of: "simple-flag.distinct_id_0") == 0xC8A0_5362_B9F4_14F)
        #expect(FlagHash.bucket(key: "simple-flag", bucketingValue: "distinct_id_0") == 0.7836963764220432)
        #expect(FlagHash.bucket(key: "simple-flag", bucketingValue: "distinct_id_1") == 0.3397069926995401)
    }

    @Test("the range is [0, 1] and the salt and separator matter")
    func saltsAndSeparators() {
        let plain = FlagHash.bucket(key: "k", bucketingValue: "v")
        let variant = FlagHash.bucket(key: "k", bucketingValue: "v", salt: "variant")
        #expect(plain == FlagHash.value(of: "k.v"))
        #expect(variant == FlagHash.value(of: "k.vvariant"))
        #expect(FlagHash.holdout(bucketingValue: "v") == FlagHash.value(of: "holdout-v"))
        #expect(plain != variant)
        for i in 0..<500 {
            let h = FlagHash.value(of: "x\(i)")
            #expect(h >= 0 && h <= 1)
        }
        // Non-ASCII bucketing values hash their UTF-8 bytes.
        #expect(FlagHash.prefix60(of: "zoë") == FlagHash.prefix60(of: "zo\u{00EB}"))
    }
}
