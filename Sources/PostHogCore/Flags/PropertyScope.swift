/// The property map a filter is matched against, with the key the SDK injects
/// (`distinct_id` for persons, `$group_key` for groups) unless the caller set it.
///
/// Looking the injected key up lazily avoids copying the caller's dictionary per evaluation.
struct PropertyScope {
    let values: [String: JSONValue]
    let injectedKey: StaticString
    let injectedValue: String
    /// Values and filter outcomes already computed, when the scope is evaluated for many flags.
    let cache: PersonPropertyCache?

    static func person(_ subject: FlagSubject, cache: PersonPropertyCache? = nil) -> PropertyScope {
        PropertyScope(
            values: subject.personProperties, injectedKey: "distinct_id", injectedValue: subject.distinctId, cache: cache)
    }

    static func group(_ name: String, key: String, of subject: FlagSubject) -> PropertyScope {
        PropertyScope(
            values: subject.groupProperties[name] ?? [:], injectedKey: "$group_key", injectedValue: key, cache: nil)
    }

    /// The value of `key`, `.null` included; `nil` when the key is absent.
    @inline(__always)
    func value(forKey key: String, slot: Int) -> JSONValue? {
        if let cache { return cache.value(slot: slot) { lookUp(key) } }
        return lookUp(key)
    }

    /// The value of `key` in the map.
    func lookUp(_ key: String) -> JSONValue? {
        if let value = values[key] { return value }
        if isInjectedKey(key) { return .string(injectedValue) }
        return nil
    }

    /// Whether `key` is present (Python `key in properties`).
    func contains(_ key: String) -> Bool {
        values[key] != nil || isInjectedKey(key)
    }

    private func isInjectedKey(_ key: String) -> Bool {
        key.utf8.count == injectedKey.utf8CodeUnitCount
            && injectedKey.withUTF8Buffer { key.utf8.elementsEqual($0) }
    }
}
