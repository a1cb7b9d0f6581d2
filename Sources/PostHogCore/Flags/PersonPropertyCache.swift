/// What ``FlagEvaluator/evaluateAll(for:now:)`` learns about the person once and reuses for
/// every flag: each property value (looked up by slot instead of hashing the name again), and the
/// outcome of each distinct property filter, which depends only on those values and the clock.
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

    private let values: UnsafeMutablePointer<ValueSlot>
    private let valueCount: Int
    private let results: UnsafeMutablePointer<ResultSlot>
    private let resultCount: Int

    init(valueSlots: Int, resultSlots: Int) {
        valueCount = valueSlots
        values = UnsafeMutablePointer<ValueSlot>.allocate(capacity: max(valueSlots, 1))
        values.initialize(repeating: .unknown, count: valueSlots)
        resultCount = resultSlots
        results = UnsafeMutablePointer<ResultSlot>.allocate(capacity: max(resultSlots, 1))
        results.initialize(repeating: .unknown, count: resultSlots)
    }

    deinit {
        values.deinitialize(count: valueCount)
        values.deallocate()
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

    /// The outcome of the filter in `slot`, computed by `match` the first time.
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
