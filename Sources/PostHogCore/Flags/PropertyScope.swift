/// The property map a filter is matched against, with the key the SDK injects
/// (`distinct_id` for persons, `$group_key` for groups) unless the caller set it.
///
/// A person scope only points at the subject (borrowed for the run, see ``EvaluationRun``), so
/// creating and copying it costs no reference counting; the injected key is looked up lazily
/// instead of copying the caller's dictionary.
struct PropertyScope {
    private enum Source {
        case person(UnsafePointer<FlagSubject>)
        case group(values: [String: JSONValue], key: String)
    }

    private let source: Source
    /// Values and filter outcomes already computed, when the scope is evaluated for many flags.
    /// Owned by the run, which outlives every scope it creates.
    unowned(unsafe) let cache: PersonPropertyCache?

    private init(source: Source, cache: PersonPropertyCache?) {
        self.source = source
        self.cache = cache
    }

    static func person(_ subject: UnsafePointer<FlagSubject>, cache: PersonPropertyCache? = nil) -> PropertyScope {
        PropertyScope(source: .person(subject), cache: cache)
    }

    static func group(_ name: String, key: String, of subject: FlagSubject) -> PropertyScope {
        PropertyScope(source: .group(values: subject.groupProperties[name] ?? [:], key: key), cache: nil)
    }

    /// The value of `key`, `.null` included; `nil` when the key is absent.
    @inline(__always)
    func value(forKey key: String, slot: Int) -> JSONValue? {
        if let cache { return cache.value(slot: slot) { lookUp(key) } }
        return lookUp(key)
    }

    /// The value of `key` in the map.
    func lookUp(_ key: String) -> JSONValue? {
        switch source {
        case .person(let subject):
            if let value = subject.pointee.personProperties[key] { return value }
            if Self.isKey(key, "distinct_id") { return .string(subject.pointee.distinctId) }
        case .group(let values, let groupKey):
            if let value = values[key] { return value }
            if Self.isKey(key, "$group_key") { return .string(groupKey) }
        }
        return nil
    }

    private static func isKey(_ key: String, _ injected: StaticString) -> Bool {
        guard key.utf8.count == injected.utf8CodeUnitCount else { return false }
        var key = key
        return key.withUTF8 { bytes in
            injected.withUTF8Buffer { expected in
                for i in 0..<bytes.count where bytes[i] != expected[i] { return false }
                return true
            }
        }
    }
}
