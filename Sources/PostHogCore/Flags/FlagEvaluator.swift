public import Foundation

/// Evaluates feature flags locally, giving the answers posthog-python 7.91.1 gives.
///
/// Build one per definitions snapshot; building compiles every flag (regexes, dates, versions,
/// variant buckets), and evaluation is then pure and thread-safe. Flags that cannot be decided
/// locally come back ``FlagEvaluation/inconclusive(_:)`` with the SDK's reason; callers fall
/// back to the `/flags` endpoint for those.
///
/// ```swift
/// let evaluator = FlagEvaluator(definitions: try FlagDefinitions(data: body))
/// let subject = FlagSubject(distinctId: "user-1", personProperties: ["plan": "pro"])
/// switch evaluator.evaluate("new-dashboard", for: subject, now: Date()) {
/// case .decided(let value, let payload)?: use(value, payload)
/// case .inconclusive?: askServer()
/// case nil: flagDoesNotExist()
/// }
/// ```
public struct FlagEvaluator: Sendable {
    private let program: FlagProgram

    /// Compiles `definitions`.
    public init(definitions: FlagDefinitions) {
        program = FlagProgram(definitions: definitions)
    }

    /// The definitions this evaluator was built from.
    public var definitions: FlagDefinitions { program.definitions }

    /// The flag keys, in definition order, each once.
    public var flagKeys: [String] { program.flags.map(\.key) }

    /// The definition used for `key` (the last one, if the response repeats a key).
    public func definition(forKey key: String) -> FlagDefinition? {
        program.flag(forKey: key)?.definition
    }

    /// Evaluates the flag `key` for `subject` at `now` (used by relative date filters).
    /// Returns `nil` when there is no such flag.
    public func evaluate(_ key: String, for subject: FlagSubject, now: Date) -> FlagEvaluation? {
        guard let flag = program.flag(forKey: key) else { return nil }
        return withUnsafePointer(to: subject) { subject in
            var run = EvaluationRun(program: program, subject: subject, now: Self.microseconds(now))
            return run.evaluate(flag)
        }
    }

    /// Evaluates every flag for `subject`. Each flag is evaluated on its own, as the SDKs do.
    public func evaluateAll(for subject: FlagSubject, now: Date) -> [String: FlagEvaluation] {
        withUnsafePointer(to: subject) { subject in
            var run = EvaluationRun(program: program, subject: subject, now: Self.microseconds(now))
            run.personCache = PersonPropertyCache(
                valueSlots: program.propertySlotCount, resultSlots: program.propertyFilterCount + program.cohorts.count)
            var results = program.resultTemplate
            for (position, flag) in program.flags.enumerated() {
                run.reset()
                results.values[program.resultIndices[position]] = run.evaluate(flag)
            }
            return results
        }
    }

    /// Evaluates the flags in `keys` that exist; unknown keys are left out of the result.
    public func evaluate(
        _ keys: some Sequence<String>, for subject: FlagSubject, now: Date
    ) -> [String: FlagEvaluation] {
        withUnsafePointer(to: subject) { subject in
            var run = EvaluationRun(program: program, subject: subject, now: Self.microseconds(now))
            var results: [String: FlagEvaluation] = [:]
            for key in keys {
                guard let flag = program.flag(forKey: key) else { continue }
                run.reset()
                results[key] = run.evaluate(flag)
            }
            return results
        }
    }

    /// Python's `datetime.now()` resolution: whole microseconds.
    private static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
    }
}
