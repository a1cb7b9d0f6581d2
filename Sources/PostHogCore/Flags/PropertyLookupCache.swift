/// Property values of one map, looked up at most once each: ``FlagEvaluator/evaluateAll(for:now:)``
/// reads the same person properties for every flag, and a slot read is far cheaper than hashing
/// the name again. Slots are assigned to property names when the definitions are compiled.
final class PropertyLookupCache {
    private enum Slot {
        case unknown
        case absent
        case present(JSONValue)
    }

    private var slots: [Slot]

    init(slotCount: Int) {
        slots = Array(repeating: .unknown, count: slotCount)
    }

    /// The value in `slot`, computed by `lookUp` the first time.
    @inline(__always)
    func value(slot: Int, _ lookUp: () -> JSONValue?) -> JSONValue? {
        switch slots[slot] {
        case .present(let value): return value
        case .absent: return nil
        case .unknown:
            let value = lookUp()
            slots[slot] = value.map(Slot.present) ?? .absent
            return value
        }
    }
}
