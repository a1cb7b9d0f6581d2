import Foundation
import PostHogCore
import Testing

/// A small definitions response, a subject and the outcome posthog-python 7.91.1 gives for one
/// flag: a JSON value (`true`, `"variant"`) or the unresolved reason, plus the decoded payload.
/// The expectations were produced by running each scenario through the SDK.
struct Scenario: CustomTestStringConvertible, Sendable {
    let name: String
    let definitions: String
    let subject: String
    let flag: String
    let expect: String
    let payload: String?

    init(_ name: String, definitions: String, subject: String, flag: String, expect: String, payload: String?) {
        self.name = name
        self.definitions = definitions
        self.subject = subject
        self.flag = flag
        self.expect = expect
        self.payload = payload
    }

    var testDescription: String { name }
}

@Suite("Flag evaluation scenarios")
struct FlagEvaluatorTests {
    static let scenarios: [Scenario] = [
        Scenario(
            "inactive flags are false, with the false payload",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":false,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"payloads":{"false":"{\"off\": true}"}},"ensure_experience_continuity":true}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"false"#, payload: #"{"off":true}"#),
        Scenario(
            "experience continuity needs the server",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}]},"ensure_experience_continuity":true}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"experience_continuity"#, payload: nil),
        Scenario(
            "no conditions is false",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"false"#, payload: nil),
        Scenario(
            "rollout 0 admits almost no one",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":0}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"false"#, payload: nil),
        Scenario(
            "group flag without its group is false",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"aggregation_group_type_index":0},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"false"#, payload: nil),
        Scenario(
            "group flag with an unknown group type",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"aggregation_group_type_index":7},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"groups":{"company":"acme"}}"#, flag: "f", expect: #"unsupported_definition"#, payload: nil),
        Scenario(
            "group flag matches $group_key",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"$group_key","value":"acme","operator":"exact","type":"person"}],"rollout_percentage":100}],"aggregation_group_type_index":0},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"groups":{"company":"acme"}}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "caller's $group_key wins",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"$group_key","value":"mine","operator":"exact","type":"person"}],"rollout_percentage":100}],"aggregation_group_type_index":0},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"groups":{"company":"acme"},"group_properties":{"company":{"$group_key":"mine"}}}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "caller's distinct_id property wins",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"distinct_id","value":"other","operator":"exact","type":"person"}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"person_properties":{"distinct_id":"other"}}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "distinct_id is injected",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"distinct_id","value":"USER-1","operator":"exact","type":"person"}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "mixed targeting: group condition skipped without the group",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100,"aggregation_group_type_index":0},{"properties":[{"key":"plan","value":"pro","operator":"exact","type":"person"}],"aggregation_group_type_index":null}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"person_properties":{"plan":"free"}}"#, flag: "f", expect: #"false"#, payload: nil),
        Scenario(
            "mixed targeting: group condition uses the group",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"tier","value":"gold","operator":"exact","type":"person"}],"rollout_percentage":100,"aggregation_group_type_index":1}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"groups":{"project":"p1"},"group_properties":{"project":{"tier":"gold"}}}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "device bucketing without a device id",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":50}]},"ensure_experience_continuity":false,"bucketing_identifier":"device_id"}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"missing_context"#, payload: nil),
        Scenario(
            "device bucketing reports a definition problem first",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"x","value":"1","operator":"bogus","type":"person"}],"rollout_percentage":50}]},"ensure_experience_continuity":false,"bucketing_identifier":"device_id"}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"unsupported_definition"#, payload: nil),
        Scenario(
            "device bucketing from filters",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":50}],"bucketing_identifier":"device_id"},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"device_id":"device-7"}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "first matching condition wins after an undecided one",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"missing","value":"x","operator":"exact","type":"person"}]},{"properties":[],"rollout_percentage":100}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "a definite false beats an undecided filter",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"missing","value":"x","operator":"exact","type":"person"},{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"person_properties":{"plan":"free"}}"#, flag: "f", expect: #"false"#, payload: nil),
        Scenario(
            "undecided conditions make the flag undecided",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"missing","value":"x","operator":"exact","type":"person"}]},{"properties":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"person_properties":{"plan":"free"}}"#, flag: "f", expect: #"missing_context"#, payload: nil),
        Scenario(
            "reason precedence: unsupported beats missing context",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"missing","value":"x","operator":"exact","type":"person"}]},{"properties":[{"key":"plan","value":"x","operator":"bogus","type":"person"}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"person_properties":{"plan":"free"}}"#, flag: "f", expect: #"unsupported_definition"#, payload: nil),
        Scenario(
            "early exit stops at the first out-of-rollout condition",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":0},{"properties":[],"rollout_percentage":100}],"early_exit":true},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"false"#, payload: nil),
        Scenario(
            "early exit keeps an earlier undecided condition",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"missing","value":"x","operator":"exact","type":"person"}]},{"properties":[],"rollout_percentage":0},{"properties":[],"rollout_percentage":100}],"early_exit":true},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"missing_context"#, payload: nil),
        Scenario(
            "variant by hash, with its payload",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"multivariate":{"variants":[{"key":"control","rollout_percentage":50},{"key":"test","rollout_percentage":50}]},"payloads":{"control":"{\"c\": 1}","test":"[1, 2]","true":"\"t\""}},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"distinct_id":"user-2"}"#, flag: "f", expect: #""test""#, payload: #"[1,2]"#),
        Scenario(
            "variant override",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100,"variant":"test"}],"multivariate":{"variants":[{"key":"control","rollout_percentage":50},{"key":"test","rollout_percentage":50}]},"payloads":{"control":"{\"c\": 1}","test":"[1, 2]","true":"\"t\""}},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"distinct_id":"user-2"}"#, flag: "f", expect: #""test""#, payload: #"[1,2]"#),
        Scenario(
            "unknown variant override is ignored",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100,"variant":"nope"}],"multivariate":{"variants":[{"key":"control","rollout_percentage":50},{"key":"test","rollout_percentage":50}]},"payloads":{"control":"{\"c\": 1}","test":"[1, 2]","true":"\"t\""}},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"distinct_id":"user-3"}"#, flag: "f", expect: #""control""#, payload: #"{"c":1}"#),
        Scenario(
            "variants short of 100% leave true",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"multivariate":{"variants":[{"key":"a","rollout_percentage":1}]},"payloads":{"true":"\"t\""}},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"true"#, payload: #""t""#),
        Scenario(
            "holdout of 100% holds everyone out",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"holdout":{"id":42,"exclusion_percentage":100},"payloads":{"holdout-42":"\"held\""}},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #""holdout-42""#, payload: #""held""#),
        Scenario(
            "holdout of 0% holds no one",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"holdout":{"id":42,"exclusion_percentage":0}},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "feature enrollment reads the person's enrollment",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":0}],"feature_enrollment":true},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"person_properties":{"$feature_enrollment/f":"true"}}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "feature enrollment accepts only true and \"true\"",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"feature_enrollment":true},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"person_properties":{"$feature_enrollment/f":"TRUE"}}"#, flag: "f", expect: #"false"#, payload: nil),
        Scenario(
            "feature enrollment without the property",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"feature_enrollment":true},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"missing_context"#, payload: nil),
        Scenario(
            "legacy super_groups are ignored",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"super_groups":[{"properties":[{"key":"$feature_enrollment/f","value":["true"],"operator":"exact","type":"person"}],"rollout_percentage":100}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "cohort membership",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"id","type":"cohort","value":1,"operator":"in"}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{"1":{"type":"OR","values":[{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"2":{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person","negation":true}]},"3":{"type":"AND","values":[{"key":"id","type":"cohort","value":1},{"key":"id","type":"cohort","value":99}]},"4":{"type":"AND","values":[{"key":"id","type":"cohort","value":4}]},"5":{}}}"#,
            subject: #"{"person_properties":{"plan":"pro"}}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "cohort not_in",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"id","type":"cohort","value":1,"operator":"not_in"}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{"1":{"type":"OR","values":[{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"2":{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person","negation":true}]},"3":{"type":"AND","values":[{"key":"id","type":"cohort","value":1},{"key":"id","type":"cohort","value":99}]},"4":{"type":"AND","values":[{"key":"id","type":"cohort","value":4}]},"5":{}}}"#,
            subject: #"{"person_properties":{"plan":"pro"}}"#, flag: "f", expect: #"false"#, payload: nil),
        Scenario(
            "negation inside a cohort",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"id","type":"cohort","value":2}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{"1":{"type":"OR","values":[{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"2":{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person","negation":true}]},"3":{"type":"AND","values":[{"key":"id","type":"cohort","value":1},{"key":"id","type":"cohort","value":99}]},"4":{"type":"AND","values":[{"key":"id","type":"cohort","value":4}]},"5":{}}}"#,
            subject: #"{"person_properties":{"plan":"free"}}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "static cohort needs the server",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"id","type":"cohort","value":99}]},{"properties":[],"rollout_percentage":100}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{"1":{"type":"OR","values":[{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"2":{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person","negation":true}]},"3":{"type":"AND","values":[{"key":"id","type":"cohort","value":1},{"key":"id","type":"cohort","value":99}]},"4":{"type":"AND","values":[{"key":"id","type":"cohort","value":4}]},"5":{}}}"#,
            subject: #"{}"#, flag: "f", expect: #"unsupported_definition"#, payload: nil),
        Scenario(
            "static cohort after an undecided filter only ends the condition",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"missing","value":"x","operator":"exact","type":"person"},{"key":"id","type":"cohort","value":99}]},{"properties":[],"rollout_percentage":100}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{"1":{"type":"OR","values":[{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"2":{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person","negation":true}]},"3":{"type":"AND","values":[{"key":"id","type":"cohort","value":1},{"key":"id","type":"cohort","value":99}]},"4":{"type":"AND","values":[{"key":"id","type":"cohort","value":4}]},"5":{}}}"#,
            subject: #"{}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "static cohort inside a cohort always needs the server",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"id","type":"cohort","value":3}]},{"properties":[],"rollout_percentage":100}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{"1":{"type":"OR","values":[{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"2":{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person","negation":true}]},"3":{"type":"AND","values":[{"key":"id","type":"cohort","value":1},{"key":"id","type":"cohort","value":99}]},"4":{"type":"AND","values":[{"key":"id","type":"cohort","value":4}]},"5":{}}}"#,
            subject: #"{"person_properties":{"plan":"free"}}"#, flag: "f", expect: #"unsupported_definition"#, payload: nil),
        Scenario(
            "a definite false in the condition beats a static cohort",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"id","type":"cohort","value":99},{"key":"plan","value":"pro","operator":"exact","type":"person"}]},{"properties":[],"rollout_percentage":100}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{"1":{"type":"OR","values":[{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"2":{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person","negation":true}]},"3":{"type":"AND","values":[{"key":"id","type":"cohort","value":1},{"key":"id","type":"cohort","value":99}]},"4":{"type":"AND","values":[{"key":"id","type":"cohort","value":4}]},"5":{}}}"#,
            subject: #"{"person_properties":{"plan":"free"}}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "cohort that contains itself",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"id","type":"cohort","value":4}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{"1":{"type":"OR","values":[{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"2":{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person","negation":true}]},"3":{"type":"AND","values":[{"key":"id","type":"cohort","value":1},{"key":"id","type":"cohort","value":99}]},"4":{"type":"AND","values":[{"key":"id","type":"cohort","value":4}]},"5":{}}}"#,
            subject: #"{}"#, flag: "f", expect: #"unsupported_definition"#, payload: nil),
        Scenario(
            "empty cohort matches everyone",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"id","type":"cohort","value":5}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{"1":{"type":"OR","values":[{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"2":{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person","negation":true}]},"3":{"type":"AND","values":[{"key":"id","type":"cohort","value":1},{"key":"id","type":"cohort","value":99}]},"4":{"type":"AND","values":[{"key":"id","type":"cohort","value":4}]},"5":{}}}"#,
            subject: #"{}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "unknown cohort operator",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"id","type":"cohort","value":1,"operator":"bad"}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{"1":{"type":"OR","values":[{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"2":{"type":"AND","values":[{"key":"plan","value":"pro","operator":"exact","type":"person","negation":true}]},"3":{"type":"AND","values":[{"key":"id","type":"cohort","value":1},{"key":"id","type":"cohort","value":99}]},"4":{"type":"AND","values":[{"key":"id","type":"cohort","value":4}]},"5":{}}}"#,
            subject: #"{"person_properties":{"plan":"pro"}}"#, flag: "f", expect: #"unsupported_definition"#, payload: nil),
        Scenario(
            "dependency on a true flag",
            definitions:
                #"{"flags":[{"id":2,"key":"base","active":true,"filters":{"groups":[{"properties":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"ensure_experience_continuity":false},{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"base","type":"flag","value":true,"operator":"flag_evaluates_to","dependency_chain":["base"]}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"person_properties":{"plan":"pro"}}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "dependency on a false flag",
            definitions:
                #"{"flags":[{"id":2,"key":"base","active":true,"filters":{"groups":[{"properties":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"ensure_experience_continuity":false},{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"base","type":"flag","value":false,"operator":"flag_evaluates_to","dependency_chain":["base"]}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"person_properties":{"plan":"free"}}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "true matches any variant",
            definitions:
                #"{"flags":[{"id":3,"key":"mv","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"multivariate":{"variants":[{"key":"control","rollout_percentage":50},{"key":"test","rollout_percentage":50}]},"payloads":{"control":"{\"c\": 1}","test":"[1, 2]","true":"\"t\""}},"ensure_experience_continuity":false},{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"mv","type":"flag","value":true,"operator":"flag_evaluates_to","dependency_chain":["mv"]}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"distinct_id":"user-2"}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "a variant must match exactly",
            definitions:
                #"{"flags":[{"id":3,"key":"mv","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"multivariate":{"variants":[{"key":"control","rollout_percentage":50},{"key":"test","rollout_percentage":50}]},"payloads":{"control":"{\"c\": 1}","test":"[1, 2]","true":"\"t\""}},"ensure_experience_continuity":false},{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"mv","type":"flag","value":"CONTROL","operator":"flag_evaluates_to","dependency_chain":["mv"]}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"distinct_id":"user-2"}"#, flag: "f", expect: #"false"#, payload: nil),
        Scenario(
            "false matches an inactive flag",
            definitions:
                #"{"flags":[{"id":4,"key":"off","active":false,"filters":{"groups":[{"properties":[],"rollout_percentage":100}]},"ensure_experience_continuity":false},{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"off","type":"flag","value":false,"operator":"flag_evaluates_to","dependency_chain":["off"]}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "empty chain (a cycle) is unsupported",
            definitions:
                #"{"flags":[{"id":2,"key":"base","active":true,"filters":{"groups":[{"properties":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"ensure_experience_continuity":false},{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"base","type":"flag","value":true,"operator":"flag_evaluates_to","dependency_chain":[]}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"unsupported_definition"#, payload: nil),
        Scenario(
            "chain with a missing flag is unsupported",
            definitions:
                #"{"flags":[{"id":2,"key":"base","active":true,"filters":{"groups":[{"properties":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"ensure_experience_continuity":false},{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"base","type":"flag","value":true,"operator":"flag_evaluates_to","dependency_chain":["gone","base"]}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"unsupported_definition"#, payload: nil),
        Scenario(
            "dependency on an experience-continuity flag",
            definitions:
                #"{"flags":[{"id":5,"key":"ec","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}]},"ensure_experience_continuity":true},{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"ec","type":"flag","value":true,"operator":"flag_evaluates_to","dependency_chain":["ec"]}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"unresolved_dependency"#, payload: nil),
        Scenario(
            "undecided dependency",
            definitions:
                #"{"flags":[{"id":2,"key":"base","active":true,"filters":{"groups":[{"properties":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"ensure_experience_continuity":false},{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"base","type":"flag","value":true,"operator":"flag_evaluates_to","dependency_chain":["base"]}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"unresolved_dependency"#, payload: nil),
        Scenario(
            "malformed dependency shape is false",
            definitions:
                #"{"flags":[{"id":2,"key":"base","active":true,"filters":{"groups":[{"properties":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"ensure_experience_continuity":false},{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"base","type":"flag","value":true,"operator":"exact","dependency_chain":["base"]}]},{"properties":[],"rollout_percentage":100}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "the string \"true\" does not match true",
            definitions:
                #"{"flags":[{"id":2,"key":"base","active":true,"filters":{"groups":[{"properties":[{"key":"plan","value":"pro","operator":"exact","type":"person"}]}]},"ensure_experience_continuity":false},{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[{"key":"base","type":"flag","value":"true","operator":"flag_evaluates_to","dependency_chain":["base"]}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{"person_properties":{"plan":"pro"}}"#, flag: "f", expect: #"false"#, payload: nil),
        Scenario(
            "chains that loop back need the server",
            definitions:
                #"{"flags":[{"id":6,"key":"a","active":true,"filters":{"groups":[{"properties":[{"key":"b","type":"flag","value":true,"operator":"flag_evaluates_to","dependency_chain":["b"]}]}]},"ensure_experience_continuity":false},{"id":7,"key":"b","active":true,"filters":{"groups":[{"properties":[{"key":"a","type":"flag","value":true,"operator":"flag_evaluates_to","dependency_chain":["a"]}]}]},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "a", expect: #"unsupported_definition"#, payload: nil),
        Scenario(
            "invalid JSON payload is no payload",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"payloads":{"true":"not json"}},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"true"#, payload: nil),
        Scenario(
            "non-string payloads are used as they are",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"payloads":{"true":{"already":"decoded"}}},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"true"#, payload: #"{"already":"decoded"}"#),
        Scenario(
            "payload keys are case-sensitive",
            definitions:
                #"{"flags":[{"id":1,"key":"f","active":true,"filters":{"groups":[{"properties":[],"rollout_percentage":100}],"payloads":{"True":"1"}},"ensure_experience_continuity":false}],"group_type_mapping":{"0":"company","1":"project"},"cohorts":{}}"#,
            subject: #"{}"#, flag: "f", expect: #"true"#, payload: nil),
    ]

    @Test("evaluation matches posthog-python", arguments: scenarios)
    func scenario(_ scenario: Scenario) throws {
        let evaluator = FlagEvaluator(definitions: try FlagDefinitions(json: try JSONParser.parse(scenario.definitions)))
        let json = try JSONParser.parse(scenario.subject)
        let subject = FlagSubject(
            distinctId: json["distinct_id"]?.stringValue ?? "user-1",
            groups: (json["groups"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
            personProperties: json["person_properties"]?.objectValue ?? [:],
            groupProperties: (json["group_properties"]?.objectValue ?? [:]).compactMapValues(\.objectValue),
            deviceId: json["device_id"]?.stringValue)
        let result = try #require(evaluator.evaluate(scenario.flag, for: subject, now: Date()))
        switch result {
        case .decided(let value, let payload):
            #expect(value.jsonValue == (try JSONParser.parse(scenario.expect)))
            #expect(payload == (try scenario.payload.map { try JSONParser.parse($0) }))
        case .inconclusive(let reason):
            #expect(reason.rawValue == scenario.expect)
            #expect(scenario.payload == nil)
        }
    }

    @Test("unknown flags are nil, and evaluateAll covers every flag once")
    func unknownAndAll() throws {
        let definitions = try FlagDefinitions(
            json: try JSONParser.parse(
                #"""
                {"flags": [
                  {"key": "a", "active": true, "filters": {"groups": [{"rollout_percentage": 100}]}},
                  {"key": "b", "active": false, "filters": {}},
                  {"key": "a", "active": true, "filters": {"groups": [{"rollout_percentage": 0}]}}
                ]}
                """#))
        let evaluator = FlagEvaluator(definitions: definitions)
        let subject = FlagSubject(distinctId: "someone")
        #expect(evaluator.evaluate("missing", for: subject, now: Date()) == nil)
        #expect(evaluator.flagKeys == ["a", "b"])
        // A repeated key uses its last definition.
        #expect(evaluator.evaluate("a", for: subject, now: Date()) == .decided(false, payload: nil))
        let all = evaluator.evaluateAll(for: subject, now: Date())
        #expect(all == ["a": .decided(false, payload: nil), "b": .decided(false, payload: nil)])
        #expect(evaluator.evaluate(["b", "missing"], for: subject, now: Date()) == ["b": .decided(false, payload: nil)])
    }
}
