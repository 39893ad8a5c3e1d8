@_spi(Runtime) import ReliveKit

extension ModuleTable {
    /// The current and old version of some modules, to put back exactly.
    public struct Snapshot: Sendable {
        let versions: [Atom: (current: LoadedModule?, old: LoadedModule?)]
        /// The modules the snapshot covers.
        public var names: [Atom] { Array(versions.keys) }
    }

    /// Takes the current and old version of each of `names` (the release
    /// handler's undo point before a script runs).
    public func snapshot(_ names: some Sequence<Atom>) -> Snapshot {
        entries.withLock { entries in
            var versions: [Atom: (current: LoadedModule?, old: LoadedModule?)] = [:]
            for name in names { versions[name] = (entries[name]?.current, entries[name]?.old) }
            return Snapshot(versions: versions)
        }
    }

    /// Puts back the current and old versions of a snapshot. Processes keep
    /// the version they run (they move by changing code).
    public func restore(_ snapshot: Snapshot) {
        entries.withLock { entries in
            for (name, v) in snapshot.versions {
                var entry = entries[name] ?? Entry()
                entry.current = v.current
                entry.old = v.old
                entries[name] = entry
            }
        }
    }

    /// Makes `modules` (of a plugin loaded before, e.g. the release being
    /// downgraded to) the current versions, all or none: a module whose old
    /// version is exactly it swaps current and old; otherwise the current
    /// becomes old, which requires the old one purged.
    /// - Throws: ``ModuleTableError/notPurged(_:)``.
    public func activate(_ modules: [LoadedModule]) throws(ModuleTableError) {
        try entries.withLock { (entries: inout [Atom: Entry]) throws(ModuleTableError) in
            for module in modules {
                guard let entry = entries[module.name], entry.current !== module else { continue }
                if let old = entry.old, old !== module { throw .notPurged(old) }
            }
            for module in modules {
                var entry = entries[module.name] ?? Entry()
                guard entry.current !== module else { continue }
                entry.old = entry.current
                entry.current = module
                entries[module.name] = entry
            }
        }
    }

    /// Deletes the current version of `name` (the relup's `remove`): it
    /// becomes old, and nothing is current.
    /// - Throws: ``ModuleTableError/notPurged(_:)`` when an old version is still held.
    public func delete(_ name: Atom) throws(ModuleTableError) {
        try entries.withLock { (entries: inout [Atom: Entry]) throws(ModuleTableError) in
            guard var entry = entries[name], let current = entry.current else { return }
            if let old = entry.old { throw .notPurged(old) }
            entry.old = current
            entry.current = nil
            entries[name] = entry
        }
    }
}
