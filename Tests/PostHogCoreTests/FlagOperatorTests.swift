import Foundation
import PostHogCore
import Testing

/// One property filter matched against one property map, with the outcome posthog-python 7.91.1
/// gives (`"true"`, `"false"` or the unresolved reason). The expectations were produced by
/// running each row through the SDK.
struct OperatorCase: CustomTestStringConvertible, Sendable {
    let name: String
    let filter: String
    let properties: String
    let propertyMatchingVersion: Int
    let expected: String

    init(_ name: String, _ filter: String, _ properties: String, pmv: Int, _ expected: String) {
        self.name = name
        self.filter = filter
        self.properties = properties
        self.propertyMatchingVersion = pmv
        self.expected = expected
    }

    var testDescription: String { name }
}

/// Evaluates a flag whose only condition holds `filter`, for a person with `properties`.
func evaluateFilter(
    _ filter: JSONValue, properties: [String: JSONValue], pmv: Int = 1, now: Date = Date()
) -> String {
    var filter = filter.objectValue ?? [:]
    if filter["type"] == nil { filter["type"] = "person" }
    let flag: JSONValue = [
        "id": 1, "key": "f", "active": true,
        "filters": ["groups": [["properties": [.object(filter)], "rollout_percentage": nil]]],
    ]
    let definitions = FlagDefinitions(flags: [FlagDefinition(json: flag)!], propertyMatchingVersion: pmv)
    let subject = FlagSubject(distinctId: "u", personProperties: properties)
    switch FlagEvaluator(definitions: definitions).evaluate("f", for: subject, now: now) {
    case .decided(let value, _)?: return value.description
    case .inconclusive(let reason)?: return reason.rawValue
    case nil: return "missing"
    }
}

@Suite("Flag property operators")
struct FlagOperatorTests {
    static let cases: [OperatorCase] = [
        OperatorCase("int filter matches int-looking string", #"{"key":"p","value":42,"operator":"exact"}"#, #"{"p":"42"}"#, pmv: 1, "true"),
        OperatorCase("30 does not equal 30.0", #"{"key":"p","value":"30","operator":"exact"}"#, #"{"p":30.0}"#, pmv: 1, "false"),
        OperatorCase("30.0 equals 30.0", #"{"key":"p","value":"30.0","operator":"exact"}"#, #"{"p":30.0}"#, pmv: 1, "true"),
        OperatorCase("1e-07 prints as 1e-7", #"{"key":"p","value":"1e-7","operator":"exact"}"#, #"{"p":1e-07}"#, pmv: 1, "true"),
        OperatorCase("1.2e-05 prints as a plain decimal", #"{"key":"p","value":"0.000012","operator":"exact"}"#, #"{"p":1.2e-05}"#, pmv: 1, "true"),
        OperatorCase("1e16 prints as 1e+16", #"{"key":"p","value":"1e+16","operator":"exact"}"#, #"{"p":1e+16}"#, pmv: 1, "true"),
        OperatorCase("0.0001 stays plain", #"{"key":"p","value":"0.0001","operator":"exact"}"#, #"{"p":0.0001}"#, pmv: 1, "true"),
        OperatorCase(
            "arrays print as compact JSON", #"{"key":"p","value":"[\"a\",1,1.5,true,null]","operator":"exact"}"#, #"{"p":["a",1,1.5,true,null]}"#, pmv: 1,
            "true"),
        OperatorCase(
            "objects print with sorted keys", #"{"key":"p","value":"{\"a\":1,\"b\":[2]}","operator":"exact"}"#, #"{"p":{"b":[2],"a":1}}"#, pmv: 1, "true"),
        OperatorCase("null property reads as the string null", #"{"key":"p","value":["null"],"operator":"exact"}"#, #"{"p":null}"#, pmv: 1, "true"),
        OperatorCase("is_not on null", #"{"key":"p","value":"x","operator":"is_not"}"#, #"{"p":null}"#, pmv: 1, "true"),
        OperatorCase("legacy: false matches banana", #"{"key":"p","value":false,"operator":"exact"}"#, #"{"p":"banana"}"#, pmv: 1, "true"),
        OperatorCase("pmv2: false does not match banana", #"{"key":"p","value":false,"operator":"exact"}"#, #"{"p":"banana"}"#, pmv: 2, "false"),
        OperatorCase("legacy: [true,false] list matches pro", #"{"key":"p","value":["true","false"],"operator":"exact"}"#, #"{"p":"pro"}"#, pmv: 1, "true"),
        OperatorCase(
            "pmv2: [true,false] list does not match pro", #"{"key":"p","value":["true","false"],"operator":"exact"}"#, #"{"p":"pro"}"#, pmv: 2, "false"),
        OperatorCase("legacy: true matches TRUE", #"{"key":"p","value":true,"operator":"exact"}"#, #"{"p":"TRUE"}"#, pmv: 1, "true"),
        OperatorCase("pmv2: true matches TRUE by text", #"{"key":"p","value":true,"operator":"exact"}"#, #"{"p":"TRUE"}"#, pmv: 2, "true"),
        OperatorCase(
            "empty list matches truthy values in both modes", #"{"key":"p","value":[],"operator":"exact"}"#, #"{"p":[true,["TRUE",[]]]}"#, pmv: 2, "true"),
        OperatorCase("empty list rejects 1", #"{"key":"p","value":[],"operator":"exact"}"#, #"{"p":1}"#, pmv: 1, "false"),
        OperatorCase("full Unicode lower-casing with final sigma", #"{"key":"p","value":"οδος","operator":"exact"}"#, #"{"p":"ΟΔΟΣ"}"#, pmv: 1, "true"),
        OperatorCase("capital dotted I lowers to two code points", #"{"key":"p","value":"i\u0307","operator":"exact"}"#, #"{"p":"İ"}"#, pmv: 1, "true"),
        OperatorCase("no case folding: ss is not ß", #"{"key":"p","value":"ss","operator":"exact"}"#, #"{"p":"ß"}"#, pmv: 1, "false"),
        OperatorCase("sigma inside a word is not final", #"{"key":"p","value":"aσb","operator":"exact"}"#, #"{"p":"AΣB"}"#, pmv: 1, "true"),
        OperatorCase("code points, not canonical equivalence", #"{"key":"p","value":"é","operator":"exact"}"#, #"{"p":"e\u0301"}"#, pmv: 1, "false"),
        OperatorCase("text operators lower-case ASCII only", #"{"key":"p","value":"É","operator":"icontains"}"#, #"{"p":"é"}"#, pmv: 1, "false"),
        OperatorCase("starts_with is ASCII case-insensitive", #"{"key":"p","value":"ZO","operator":"starts_with"}"#, #"{"p":"zoë"}"#, pmv: 1, "true"),
        OperatorCase("not_ends_with", #"{"key":"p","value":"COM","operator":"not_ends_with"}"#, #"{"p":"a@b.com"}"#, pmv: 1, "false"),
        OperatorCase("empty needle matches", #"{"key":"p","value":"","operator":"icontains"}"#, #"{"p":"x"}"#, pmv: 1, "true"),
        OperatorCase("is_set with null", #"{"key":"p","value":"is_set","operator":"is_set"}"#, #"{"p":null}"#, pmv: 1, "true"),
        OperatorCase("is_not_set is false when present", #"{"key":"p","value":"is_not_set","operator":"is_not_set"}"#, #"{"p":null}"#, pmv: 1, "false"),
        OperatorCase("is_not_set is undecided when absent", #"{"key":"p","value":"is_not_set","operator":"is_not_set"}"#, #"{}"#, pmv: 1, "missing_context"),
        OperatorCase("unknown operator", #"{"key":"p","value":"x","operator":"contains_all"}"#, #"{"p":"x"}"#, pmv: 1, "unsupported_definition"),
        OperatorCase(
            "is_date_exact is not supported locally", #"{"key":"p","value":"2024-01-15","operator":"is_date_exact"}"#, #"{"p":"2024-01-15"}"#, pmv: 1,
            "unsupported_definition"),
        OperatorCase(
            "missing property with a broken filter value", #"{"key":"p","value":"not a number","operator":"gt"}"#, #"{}"#, pmv: 1, "unsupported_definition"),
        OperatorCase("numeric string property", #"{"key":"p","value":99,"operator":"gt"}"#, #"{"p":"1e2"}"#, pmv: 1, "true"),
        OperatorCase("non-numeric property is false", #"{"key":"p","value":1,"operator":"gt"}"#, #"{"p":"abc"}"#, pmv: 1, "false"),
        OperatorCase("spaces are not numbers", #"{"key":"p","value":1,"operator":"gt"}"#, #"{"p":" 42"}"#, pmv: 1, "false"),
        OperatorCase("booleans are not numbers", #"{"key":"p","value":0,"operator":"gt"}"#, #"{"p":true}"#, pmv: 1, "false"),
        OperatorCase("non-numeric filter is unsupported", #"{"key":"p","value":"abc","operator":"lt"}"#, #"{"p":1}"#, pmv: 1, "unsupported_definition"),
        OperatorCase("lte with equal values", #"{"key":"p","value":"30","operator":"lte"}"#, #"{"p":30.0}"#, pmv: 1, "true"),
        OperatorCase("regex search is unanchored", #"{"key":"p","value":"pro","operator":"regex"}"#, #"{"p":"is pro!"}"#, pmv: 1, "true"),
        OperatorCase("dollar is the absolute end", #"{"key":"p","value":"abc$","operator":"regex"}"#, #"{"p":"abc\n"}"#, pmv: 1, "false"),
        OperatorCase(
            "dollar with a quantifier and a final newline defers", #"{"key":"p","value":"^a+$","operator":"regex"}"#, #"{"p":"aa\n"}"#, pmv: 1,
            "unsupported_definition"),
        OperatorCase("dot excludes only newline", #"{"key":"p","value":"a.c","operator":"regex"}"#, #"{"p":"a\rc"}"#, pmv: 1, "true"),
        OperatorCase("python whitespace includes vertical tab", #"{"key":"p","value":"^\\s$","operator":"regex"}"#, #"{"p":"\u000b"}"#, pmv: 1, "true"),
        OperatorCase("python whitespace includes NEL", #"{"key":"p","value":"^\\s$","operator":"regex"}"#, #"{"p":"\u0085"}"#, pmv: 1, "true"),
        OperatorCase(
            "file separators with \\s defer", #"{"key":"p","value":"\\s","operator":"regex"}"#, #"{"p":"a\u001cb"}"#, pmv: 1, "unsupported_definition"),
        OperatorCase("\\w on letters", #"{"key":"p","value":"^\\w+$","operator":"regex"}"#, #"{"p":"Zoë李"}"#, pmv: 1, "true"),
        OperatorCase(
            "\\w with a superscript digit defers", #"{"key":"p","value":"\\w","operator":"regex"}"#, #"{"p":"x\u00b2"}"#, pmv: 1, "unsupported_definition"),
        OperatorCase("lookahead defers", #"{"key":"p","value":"(?=a)","operator":"regex"}"#, #"{"p":"a"}"#, pmv: 1, "unsupported_definition"),
        OperatorCase("word boundary defers", #"{"key":"p","value":"\\bfoo","operator":"regex"}"#, #"{"p":"foo"}"#, pmv: 1, "unsupported_definition"),
        OperatorCase("nested quantifier defers", #"{"key":"p","value":"(a+)+","operator":"regex"}"#, #"{"p":"aaa"}"#, pmv: 1, "unsupported_definition"),
        OperatorCase("{,n} defers", #"{"key":"p","value":"a{,3}","operator":"regex"}"#, #"{"p":"a"}"#, pmv: 1, "unsupported_definition"),
        OperatorCase("empty class defers", #"{"key":"p","value":"[]a]","operator":"regex"}"#, #"{"p":"a"}"#, pmv: 1, "unsupported_definition"),
        OperatorCase(
            "class range with a shorthand end defers", #"{"key":"p","value":"[a-\\d]","operator":"regex"}"#, #"{"p":"a"}"#, pmv: 1, "unsupported_definition"),
        OperatorCase("invalid pattern is false for regex", #"{"key":"p","value":"a{3,2}","operator":"regex"}"#, #"{"p":"aaa"}"#, pmv: 1, "false"),
        OperatorCase("invalid pattern is false for not_regex too", #"{"key":"p","value":"a{3,2}","operator":"not_regex"}"#, #"{"p":"aaa"}"#, pmv: 1, "false"),
        OperatorCase("nothing to repeat is invalid", #"{"key":"p","value":"*a","operator":"not_regex"}"#, #"{"p":"b"}"#, pmv: 1, "false"),
        OperatorCase("multiple repeat is invalid", #"{"key":"p","value":"a**","operator":"regex"}"#, #"{"p":"aa"}"#, pmv: 1, "false"),
        OperatorCase("bad class range is invalid", #"{"key":"p","value":"[z-a]","operator":"regex"}"#, #"{"p":"m"}"#, pmv: 1, "false"),
        OperatorCase("lazy quantifier", #"{"key":"p","value":"^a+?$","operator":"regex"}"#, #"{"p":"aaa"}"#, pmv: 1, "true"),
        OperatorCase("escaped punctuation and hex", #"{"key":"p","value":"^\\x41\\.\\-$","operator":"regex"}"#, #"{"p":"A.-"}"#, pmv: 1, "true"),
        OperatorCase("literal braces and brackets outside classes", #"{"key":"p","value":"a}b]","operator":"regex"}"#, #"{"p":"a}b]"}"#, pmv: 1, "true"),
        OperatorCase("boolean pattern is Python's str(): True", #"{"key":"p","value":true,"operator":"regex"}"#, #"{"p":"True"}"#, pmv: 1, "true"),
        OperatorCase(
            "an empty pattern matches everything, so not_regex is false", #"{"key":"p","value":"","operator":"not_regex"}"#, #"{"p":"x"}"#, pmv: 1, "false"),
        OperatorCase("regex on a number property", #"{"key":"p","value":"^1\\.0$","operator":"regex"}"#, #"{"p":1.0}"#, pmv: 1, "true"),
        OperatorCase(
            "same instant is neither before nor after", #"{"key":"p","value":"2024-01-15T10:30:00+02:00","operator":"is_date_after"}"#,
            #"{"p":"2024-01-15T08:30:00Z"}"#, pmv: 1, "false"),
        OperatorCase(
            "naive times are UTC", #"{"key":"p","value":"2024-01-15T10:30:00","operator":"is_date_before"}"#, #"{"p":"2024-01-15 10:29:59.999999 UTC"}"#,
            pmv: 1, "true"),
        OperatorCase(
            "fractions are truncated to microseconds", #"{"key":"p","value":"2024-01-15T10:30:00.1234561Z","operator":"is_date_after"}"#,
            #"{"p":"2024-01-15T10:30:00.1234569Z"}"#, pmv: 1, "false"),
        OperatorCase("ISO week dates", #"{"key":"p","value":"2024-01-15","operator":"is_date_after"}"#, #"{"p":"2024-W03-1T00:00:00-00:01"}"#, pmv: 1, "true"),
        OperatorCase(
            "any character separates date and time", #"{"key":"p","value":"2024-01-15T10:00:00Z","operator":"is_date_after"}"#, #"{"p":"2024-01-15é10:30"}"#,
            pmv: 1, "true"),
        OperatorCase(
            "unparseable property date", #"{"key":"p","value":"2024-01-15","operator":"is_date_before"}"#, #"{"p":"15/01/2024"}"#, pmv: 1, "missing_context"),
        OperatorCase("number property date", #"{"key":"p","value":"2024-01-15","operator":"is_date_before"}"#, #"{"p":1700000000}"#, pmv: 1, "missing_context"),
        OperatorCase("null property date", #"{"key":"p","value":"2024-01-15","operator":"is_date_before"}"#, #"{"p":null}"#, pmv: 1, "false"),
        OperatorCase(
            "unparseable filter date", #"{"key":"p","value":"15/01/2024","operator":"is_date_before"}"#, #"{"p":"2024-01-01"}"#, pmv: 1,
            "unsupported_definition"),
        OperatorCase(
            "hour 24 is invalid", #"{"key":"p","value":"2024-01-15T24:00:00","operator":"is_date_before"}"#, #"{"p":"2024-01-01"}"#, pmv: 1,
            "unsupported_definition"),
        OperatorCase(
            "offsets must be under a day", #"{"key":"p","value":"2024-01-15T10:00:00+24:00","operator":"is_date_before"}"#, #"{"p":"2024-01-01"}"#, pmv: 1,
            "unsupported_definition"),
        OperatorCase("relative days, far past", #"{"key":"p","value":"-7d","operator":"is_date_before"}"#, #"{"p":"1999-12-31"}"#, pmv: 1, "true"),
        OperatorCase("relative without a minus", #"{"key":"p","value":"7d","operator":"is_date_after"}"#, #"{"p":"2099-01-01"}"#, pmv: 1, "true"),
        OperatorCase(
            "relative with a large number is not relative", #"{"key":"p","value":"-10000d","operator":"is_date_after"}"#, #"{"p":"2099-01-01"}"#, pmv: 1,
            "unsupported_definition"),
        OperatorCase("tilde bumps the minor version", #"{"key":"p","value":"1","operator":"semver_tilde"}"#, #"{"p":"1.0.9"}"#, pmv: 1, "true"),
        OperatorCase("tilde upper bound is exclusive", #"{"key":"p","value":"1","operator":"semver_tilde"}"#, #"{"p":"1.1.0"}"#, pmv: 1, "false"),
        OperatorCase("caret on 0.0.x", #"{"key":"p","value":"0.0.3","operator":"semver_caret"}"#, #"{"p":"0.0.4"}"#, pmv: 1, "false"),
        OperatorCase("caret on 0.x", #"{"key":"p","value":"0.2.3","operator":"semver_caret"}"#, #"{"p":"0.2.9"}"#, pmv: 1, "true"),
        OperatorCase(
            "wildcard with three parts pins the patch", #"{"key":"p","value":"1.2.3","operator":"semver_wildcard"}"#, #"{"p":"1.2.4"}"#, pmv: 1, "false"),
        OperatorCase("wildcard with a star", #"{"key":"p","value":"1.*","operator":"semver_wildcard"}"#, #"{"p":"1.9.9"}"#, pmv: 1, "true"),
        OperatorCase("lone star is invalid", #"{"key":"p","value":"*","operator":"semver_wildcard"}"#, #"{"p":"1.0.0"}"#, pmv: 1, "unsupported_definition"),
        OperatorCase("pre-release tags are dropped", #"{"key":"p","value":"1.2.3","operator":"semver_eq"}"#, #"{"p":"v1.2.3-alpha+build"}"#, pmv: 1, "true"),
        OperatorCase("missing parts are zero", #"{"key":"p","value":"1..2","operator":"semver_eq"}"#, #"{"p":"1.0.2"}"#, pmv: 1, "true"),
        OperatorCase("extra parts are ignored", #"{"key":"p","value":"1.2.3","operator":"semver_eq"}"#, #"{"p":" 1.2.3.4 "}"#, pmv: 1, "true"),
        OperatorCase("leading zeros are invalid", #"{"key":"p","value":"1.2.3","operator":"semver_gt"}"#, #"{"p":"01.2.3"}"#, pmv: 1, "missing_context"),
        OperatorCase("invalid filter version", #"{"key":"p","value":"banana","operator":"semver_gt"}"#, #"{"p":"1.0.0"}"#, pmv: 1, "unsupported_definition"),
        OperatorCase(
            "numbers beyond 64 bits", #"{"key":"p","value":"18446744073709551615","operator":"semver_gt"}"#, #"{"p":"18446744073709551616"}"#, pmv: 1, "true"),
        OperatorCase("numeric property versions use Python's str()", #"{"key":"p","value":"1.5","operator":"semver_eq"}"#, #"{"p":1.5}"#, pmv: 1, "true"),
    ]

    @Test("operator semantics match posthog-python", arguments: cases)
    func operatorCase(_ row: OperatorCase) throws {
        let filter = try JSONParser.parse(row.filter)
        let properties = try JSONParser.parse(row.properties).objectValue ?? [:]
        #expect(evaluateFilter(filter, properties: properties, pmv: row.propertyMatchingVersion) == row.expected)
    }

    /// 2025-03-31T12:00:00Z and 2024-02-29T00:00:00Z.
    static let endOfMarch = Date(timeIntervalSince1970: 1_743_422_400)
    static let leapDay = Date(timeIntervalSince1970: 1_709_164_800)

    @Test("relative dates count back from the injected clock")
    func relativeDates() {
        func check(_ now: Date, _ value: JSONValue, _ op: String, _ property: String) -> String {
            evaluateFilter(["key": "p", "value": value, "operator": .string(op)], properties: ["p": .string(property)], now: now)
        }
        // Months step back one at a time and clamp the day: March 31 → February 28 → January 28.
        #expect(check(Self.endOfMarch, "-1m", "is_date_before", "2025-02-28T11:59:59Z") == "true")
        #expect(check(Self.endOfMarch, "-1m", "is_date_before", "2025-02-28T12:00:01Z") == "false")
        #expect(check(Self.endOfMarch, "-2m", "is_date_after", "2025-01-29T00:00:00Z") == "true")
        #expect(check(Self.endOfMarch, "-13m", "is_date_after", "2024-02-29T12:00:01Z") == "true")
        // Years turn February 29 into February 28.
        #expect(check(Self.leapDay, "-1y", "is_date_after", "2023-02-28T00:00:01Z") == "true")
        #expect(check(Self.leapDay, "-1y", "is_date_before", "2023-02-28T00:00:00Z") == "false")
        // Hours and weeks; comparisons are strict and to the microsecond.
        #expect(check(Self.endOfMarch, "-1h", "is_date_before", "2025-03-31T11:00:00Z") == "false")
        #expect(check(Self.endOfMarch, "-1h", "is_date_after", "2025-03-31T11:00:00.000001Z") == "true")
        #expect(check(Self.endOfMarch, "-1w", "is_date_after", "2025-03-24T12:00:01Z") == "true")
        // Years before 1 are not relative dates, and then not dates at all.
        #expect(check(Self.endOfMarch, "-2000y", "is_date_before", "0025-03-31T11:59:59Z") == "true")
        #expect(check(Self.endOfMarch, "-3000y", "is_date_before", "2020-01-01") == "unsupported_definition")
    }

    @Test("a bare year means that year on today's month and day")
    func bareYear() {
        func check(_ now: Date, _ property: String) -> String {
            evaluateFilter(["key": "p", "value": "2023", "operator": "is_date_before"], properties: ["p": .string(property)], now: now)
        }
        #expect(check(Self.endOfMarch, "2023-03-30") == "true")
        #expect(check(Self.endOfMarch, "2023-03-31") == "false")
        // February 29 does not exist in 2023.
        #expect(check(Self.leapDay, "2020-01-01") == "unsupported_definition")
    }
}
