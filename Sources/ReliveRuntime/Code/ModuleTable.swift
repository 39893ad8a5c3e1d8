@_spi(Runtime) import ReliveKit
import Synchronization

/// The node's modules: for each module, its current and old version (as in
/// OTP's code server, at most two), and exactly which processes run which.
///
/// Behaviour processes attach themselves when they start, move when they
/// change code and detach when they end, so "who runs module M" is a lookup,
/// not a supervision-tree walk.
public final class ModuleTable: Sendable {
    struct Entry {
        var current: LoadedModule?
        var old: LoadedModule?
        /// serial → (process, the version it runs)
        var users: [UInt64: (process: LocalProcess, module: LoadedModule)] = [:]
    }

    // Internal (not private) for ModuleTable+Snapshot.swift.
    let entries = Mutex<[Atom: Entry]>([:])

    public init() {}

    /// Makes `module` the current version of its name; the previous current
    /// version becomes old.
    /// - Throws: ``ModuleTableError/notPurged(_:)`` when an old version still
    ///   exists (purge it first, as OTP requires).
    public func load(_ module: LoadedModule) throws(ModuleTableError) {
        try entries.withLock { (entries: inout [Atom: Entry]) throws(ModuleTableError) in
            var entry = entries[module.name] ?? Entry()
            if let old = entry.old, entry.current !== module { throw .notPurged(old) }
            if entry.current !== module {
                entry.old = entry.current
                entry.current = module
            }
            entries[module.name] = entry
        }
    }

    /// Loads several modules at once: all or none.
    public func load(_ modules: [LoadedModule]) throws(ModuleTableError) {
        try entries.withLock { (entries: inout [Atom: Entry]) throws(ModuleTableError) in
            for module in modules {
                if let old = entries[module.name]?.old, entries[module.name]?.current !== module { throw .notPurged(old) }
            }
            for module in modules {
                var entry = entries[module.name] ?? Entry()
                if entry.current !== module {
                    entry.old = entry.current
                    entry.current = module
                }
                entries[module.name] = entry
            }
        }
    }

    /// The current version of `name`.
    public func current(_ name: Atom) -> LoadedModule? { entries.withLock { $0[name]?.current } }

    /// The old version of `name`, if one is still held.
    public func old(_ name: Atom) -> LoadedModule? { entries.withLock { $0[name]?.old } }

    /// The loaded module names.
    public var names: [Atom] { entries.withLock { Array($0.keys) } }

    /// The processes running `name`, with the version each runs.
    /// A process killed a moment ago is not among them: it is dead at once,
    /// though it detaches only when its code has unwound.
    public func users(of name: Atom) -> [(pid: Pid, version: String)] {
        let all = entries.withLock { entries in entries[name].map { Array($0.users.values) } ?? [] }
        // Liveness is read outside the table's lock: a process's own lock is never taken under it.
        return all.filter { $0.process.isAlive }.map { ($0.process.pid, $0.module.version) }
    }

    /// The live processes running exactly this version.
    public func users(of module: LoadedModule) -> [Pid] {
        let all = entries.withLock { entries in
            entries[module.name]?.users.values.filter { $0.module === module }.map(\.process) ?? []
        }
        return all.filter(\.isAlive).map(\.pid)
    }

    /// The processes running a version of `name` other than `version`, by
    /// identity (`ObjectIdentifier(pid.process)`) and serial, with the module
    /// each runs; dead ones included. Made under the table's lock without
    /// touching any process, so that a scan of 100k users costs no cache miss
    /// on each (an upgrade runs it inside its pause).
    public func users(of name: Atom, notRunning version: String)
        -> [(process: ObjectIdentifier, serial: UInt64, module: LoadedModule)] {
        entries.withLock { entries in
            guard let users = entries[name]?.users else { return [] }
            var out: [(process: ObjectIdentifier, serial: UInt64, module: LoadedModule)] = []
            for (serial, user) in users where user.module.version != version {
                out.append((ObjectIdentifier(user.process), serial, user.module))
            }
            return out
        }
    }

    /// The process with `serial` running `name`, if it is alive.
    public func liveUser(_ serial: UInt64, of name: Atom) -> Pid? {
        let user = entries.withLock { $0[name]?.users[serial]?.process }
        return user.flatMap { $0.isAlive ? $0.pid : nil }
    }

    /// Drops the old version of `name`.
    /// - Parameter brutal: false (soft purge) refuses while a process runs the
    ///   old version; true kills those processes (reason `killed`) first.
    /// - Returns: the processes killed.
    /// - Throws: ``ModuleTableError/oldCodeInUse(_:by:)`` for a soft purge.
    @discardableResult
    public func purge(_ name: Atom, brutal: Bool) throws(ModuleTableError) -> [Pid] {
        let victims = try entries.withLock { (entries: inout [Atom: Entry]) throws(ModuleTableError) -> [LocalProcess] in
            guard var entry = entries[name], let old = entry.old else { return [] }
            let running = entry.users.values.filter { $0.module === old }.map(\.process)
            if !running.isEmpty && !brutal { throw .oldCodeInUse(old, by: running.map(\.pid)) }
            entry.old = nil
            entries[name] = entry
            return running
        }
        for victim in victims { victim.receiveExitSignal(from: victim.pid, reason: .atom(Atom.kill), viaLink: false) }
        return victims.map(\.pid)
    }

    /// Undoes loading `modules`: for each that is still current, its old
    /// version becomes current again (the rollback of a failed upgrade).
    /// Processes still running a rolled-back version keep it until they change code.
    public func rollBack(_ modules: [LoadedModule]) {
        entries.withLock { entries in
            for module in modules {
                guard var entry = entries[module.name], entry.current === module, let old = entry.old else { continue }
                entry.current = old
                entry.old = nil
                entries[module.name] = entry
            }
        }
    }

    func attach(_ process: LocalProcess, to module: LoadedModule) {
        entries.withLock { entries in
            entries[module.name, default: Entry()].users[process.serial] = (process, module)
        }
    }

    func detach(_ process: LocalProcess, from name: Atom) {
        entries.withLock { entries in _ = entries[name]?.users.removeValue(forKey: process.serial) }
    }
}

/// Why the module table refused a change.
public enum ModuleTableError: Error, CustomStringConvertible {
    /// Loading a third version while an old one is still held.
    case notPurged(LoadedModule)
    /// A soft purge while processes still run the old version.
    case oldCodeInUse(LoadedModule, by: [Pid])

    public var description: String {
        switch self {
        case .notPurged(let old): "old code of \(old) must be purged before loading another version"
        case .oldCodeInUse(let old, let pids): "\(old) is still run by \(pids.count) process(es): \(pids.prefix(5).map(\.description).joined(separator: ", "))"
        }
    }
}
