import PostHogCore
import Testing

@Suite("Flag definitions parsing")
struct FlagDefinitionsTests {
    static let response = #"""
        {
          "flags": [
            {"id": 7, "team_id": 1, "name": "New dashboard", "key": "new-dashboard", "active": true, "version": 3,
             "ensure_experience_continuity": false, "has_experiment": true, "evaluation_runtime": "all",
             "evaluation_tags": ["web"], "future_field": {"kept": true},
             "filters": {
               "groups": [{"properties": [{"key": "plan", "type": "person", "value": ["pro"], "operator": "exact"}],
                           "rollout_percentage": 50, "variant": "test"}],
               "multivariate": {"variants": [{"key": "control", "name": "Control", "rollout_percentage": 50},
                                             {"key": "test", "rollout_percentage": 50}]},
               "payloads": {"test": "{\"color\": \"blue\"}"},
               "holdout": {"id": 12, "exclusion_percentage": 10},
               "aggregation_group_type_index": null,
               "super_groups": [{"properties": [], "rollout_percentage": 100}]
             }},
            {"id": 8, "name": "no key"},
            "not an object",
            {"key": "device-flag", "active": 1, "bucketing_identifier": "device_id", "filters": null}
          ],
          "group_type_mapping": {"0": "company", "1": 5},
          "cohorts": {"101": {"type": "OR", "values": []}},
          "property_matching_version": 2.0,
          "minimal_flag_called_events": true,
          "unknown_top_level": 1
        }
        """#

    @Test("typed fields, with unknown fields kept in raw")
    func typedFields() throws {
        let definitions = try FlagDefinitions(data: Array(Self.response.utf8))
        #expect(definitions.flags.map(\.key) == ["new-dashboard", "device-flag"])
        #expect(definitions.groupTypeMapping == ["0": "company"])
        #expect(definitions.cohorts.keys.sorted() == ["101"])
        #expect(definitions.propertyMatchingVersion == 2)
        #expect(definitions.minimalFlagCalledEvents)
        #expect(definitions.raw["unknown_top_level"] == 1)

        let flag = try #require(definitions.flag(forKey: "new-dashboard"))
        #expect(flag.id == 7 && flag.version == 3 && flag.name == "New dashboard")
        #expect(flag.active && !flag.ensureExperienceContinuity && flag.hasExperiment == true)
        #expect(flag.evaluationRuntime == "all" && flag.evaluationTags == ["web"])
        #expect(flag.raw["future_field"] == ["kept": true])
        #expect(flag.filters.groups.count == 1)
        #expect(flag.filters.groups[0].rolloutPercentage == 50 && flag.filters.groups[0].variant == "test")
        #expect(flag.filters.groups[0].properties.first?.value == ["pro"])
        #expect(flag.filters.variants.map(\.key) == ["control", "test"])
        #expect(flag.filters.holdout?.variantKey == "holdout-12")
        #expect(flag.filters.holdout?.exclusionPercentage == 10)
        #expect(flag.filters.superGroups.count == 1)
        #expect(flag.filters.aggregationGroupTypeIndex == nil)
        #expect(!flag.bucketsByDeviceId)

        let device = try #require(definitions.flag(forKey: "device-flag"))
        #expect(device.active)  // Python truthiness: 1 is active
        #expect(device.bucketsByDeviceId)
        #expect(device.filters.groups.isEmpty)
    }

    @Test(
        "only the number 2 selects explicit matching",
        arguments: [
            (#"{"flags": []}"#, 1), (#"{"flags": [], "property_matching_version": 2}"#, 2),
            (#"{"flags": [], "property_matching_version": "2"}"#, 1),
            (#"{"flags": [], "property_matching_version": 3}"#, 3),
        ])
    func matchingVersion(_ json: String, _ version: Int) throws {
        #expect(try FlagDefinitions(data: Array(json.utf8)).propertyMatchingVersion == version)
    }

    @Test("bodies without a flags list are errors")
    func errors() {
        #expect(throws: FlagDefinitionsError.missingFlags) {
            try FlagDefinitions(data: Array(#"{"type": "quota_limited"}"#.utf8))
        }
        #expect(throws: FlagDefinitionsError.notAnObject) { try FlagDefinitions(data: Array("[]".utf8)) }
        #expect(throws: FlagDefinitionsError.self) { try FlagDefinitions(data: Array("{".utf8)) }
    }

    @Test("the evaluator reads the definitions it was built from")
    func evaluatorKeepsDefinitions() throws {
        let definitions = try FlagDefinitions(data: Array(Self.response.utf8))
        let evaluator = FlagEvaluator(definitions: definitions)
        #expect(evaluator.definitions == definitions)
        #expect(evaluator.definition(forKey: "device-flag")?.bucketsByDeviceId == true)
        #expect(evaluator.definition(forKey: "nope") == nil)
    }
}
