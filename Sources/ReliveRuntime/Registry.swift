@_spi(Runtime) import ReliveKit
import Synchronization

/// The node's name registry: one name per process, one process per name,
/// the name freed when the process ends.
final class Registry: Sendable {
    private let names = Mutex<[Atom: LocalProcess]>([:])

    func register(_ name: Atom, _ process: LocalProcess) throws(RegistryError) {
        try names.withLock { (names: inout [Atom: LocalProcess]) throws(RegistryError) in
            if let owner = names[name] { throw .nameTaken(name, by: owner.pid) }
            // The process's own lock decides against a concurrent terminate:
            // either we set the name first (and terminate removes it), or we
            // see it dead.
            let result = process.shared.withLock { s -> RegistryError? in
                if s.exitReason != nil { return .notAlive(process.pid) }
                if let existing = s.registeredName { return .alreadyRegistered(process.pid, as: existing) }
                s.registeredName = name
                return nil
            }
            if let result { throw result }
            names[name] = process
        }
    }

    func unregister(_ process: LocalProcess) {
        guard let name = process.shared.withLock({ s -> Atom? in
            defer { s.registeredName = nil }
            return s.registeredName
        }) else { return }
        remove(name, ifOwnedBy: process)
    }

    func remove(_ name: Atom, ifOwnedBy process: LocalProcess) {
        names.withLock { names in
            if names[name] === process { names[name] = nil }
        }
    }

    func whereis(_ name: Atom) -> LocalProcess? {
        names.withLock { $0[name] }
    }

    var registered: [Atom] { names.withLock { Array($0.keys) } }
}
