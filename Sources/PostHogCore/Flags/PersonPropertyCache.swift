/// What ``FlagEvaluator/evaluateAll(for:now:)`` learns about the person once and reuses for
/// every flag: each property value (looked up by slot instead of hashing the name again), and the
/// outcome of each distinct property filter and of each cohort made of property filters, which
/// depend only on those values and the clock.
///
/// Slots are assigned when the definitions are compiled. The storage is manually managed: a
/// stored array in a class would pay for a dynamic exclusivity check on every access. A cache
/// serves one evaluation at a time.
final class PersonPropertyCache {
    private enum ValueSlot {
        case unknown
        case absent
        case present(JSONValue)
    }

    private enum ResultSlot {
        case unknown
        case matched
        case unmatched
        case failed(EvaluationError)
    }

    /// Parsed forms of a value, for filters that parse it (dates, versions).
    private struct Parsed {
        var instant: Int64?? = nil
        var version: SemanticVersion?? = nil
    }

    private let values: UnsafeMutablePointer<ValueSlot>
    private let parsed: UnsafeMutablePointer<Parsed>
    private let valueCount: Int
    private let results: UnsafeMutablePointer<ResultSlot>
    private let resultCount: Int

    init(valueSlots: Int, resultSlots: Int) {
        valueCount = valueSlots
        values = UnsafeMutablePointer<ValueSlot>.allocate(capacity: max(valueSlots, 1))
        values.initialize(repeating: .unknown, count: valueSlots)
        parsed = UnsafeMutablePointer<Parsed>.allocate(capacity: max(valueSlots, 1))
        parsed.initialize(repeating: Parsed(), count: valueSlots)
        resultCount = resultSlots
        results = UnsafeMutablePointer<ResultSlot>.allocate(capacity: max(resultSlots, 1))
        results.initialize(repeating: .unknown, count: resultSlots)
    }

    deinit {
        values.deinitialize(count: valueCount)
        values.deallocate()
        parsed.deinitialize(count: valueCount)
        parsed.deallocate()
        results.deinitialize(count: resultCount)
        results.deallocate()
    }

    /// The value in `slot`, computed by `lookUp` the first time.
    @inline(__always)
    func value(slot: Int, _ lookUp: () -> JSONValue?) -> JSONValue? {
        precondition(slot >= 0 && slot < valueCount, "property slot out of range")
        switch values[slot] {
        case .present(let value): return value
        case .absent: return nil
        case .unknown:
            let value = lookUp()
            values[slot] = value.map(ValueSlot.present) ?? .absent
            return value
        }
    }

    /// The value in `slot` parsed as a date, computed by `parse` the first time.
    @inline(__always)
    func instant(slot: Int, _ parse: () -> Int64?) -> Int64? {
        precondition(slot >= 0 && slot < valueCount, "property slot out of range")
        if let known = parsed[slot].instant { return known }
        let instant = parse()
        parsed[slot].instant = .some(instant)
        return instant
    }

    /// The value in `slot` parsed as a version, computed by `parse` the first time.
    @inline(__always)
    func version(slot: Int, _ parse: () -> SemanticVersion?) -> SemanticVersion? {
        precondition(slot >= 0 && slot < valueCount, "property slot out of range")
        if let known = parsed[slot].version { return known }
        let version = parse()
        parsed[slot].version = .some(version)
        return version
    }

    /// The outcome of the filter or cohort in `slot`, computed by `match` the first time.
    @inline(__always)
    func result(slot: Int, _ match: () throws(EvaluationError) -> Bool) throws(EvaluationError) -> Bool {
        precondition(slot >= 0 && slot < resultCount, "filter slot out of range")
        switch results[slot] {
        case .matched: return true
        case .unmatched: return false
        case .failed(let error): throw error
        case .unknown:
            do throws(EvaluationError) {
                let matched = try match()
                results[slot] = matched ? .matched : .unmatched
                return matched
            } catch {
                results[slot] = .failed(error)
                throw error
            }
        }
    }
}
