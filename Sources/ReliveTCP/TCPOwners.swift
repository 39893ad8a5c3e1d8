@_spi(Runtime) import ReliveKit
import ReliveRuntime
import Synchronization

/// Closes a process's sockets and listeners when it ends (Erlang's port
/// linked to its owner): one watcher process per ``TCP`` monitors each owner.
///
/// The table holds only live sockets (closed ones are forgotten); the watcher
/// monitors an owner at most once, until its `'DOWN'`.
final class TCPOwners: Sendable {
    protocol Owned: AnyObject, Sendable {
        func ownerEnded(_ pid: Pid)
    }

    private let table = Mutex<[Pid: [ObjectIdentifier: any Owned]]>([:])
    private let watcherPid = Mutex<Pid?>(nil)
    static let watchTag: Atom = "$tcp_watch"

    /// Starts the watcher process on `node`.
    func start(on node: Node) {
        let pid = node.spawn { [self] process in
            var monitored = Set<Pid>()
            while true {
                let message = try await process.receive()
                if message[element: 0] == .atom(Self.watchTag), let owner = message[element: 1]?.pidValue {
                    if monitored.insert(owner).inserted { _ = process.monitor(owner) }
                } else if message[element: 0] == .atom(Atom.down), let owner = message[element: 3]?.pidValue {
                    monitored.remove(owner)
                    let owned = table.withLock { $0.removeValue(forKey: owner) } ?? [:]
                    for item in owned.values { item.ownerEnded(owner) }
                }
            }
        }
        watcherPid.withLock { $0 = pid }
    }

    /// Closes `item` when `owner` ends (unless it changed owner by then);
    /// `previous` is the owner it had before (a handoff).
    func watch(_ owner: Pid, _ item: any Owned, previous: Pid? = nil) {
        let id = ObjectIdentifier(item)
        table.withLock { t in
            if let previous { Self.remove(id, of: previous, from: &t) }
            t[owner, default: [:]][id] = item
        }
        watcherPid.withLock { $0 }?.send(.tuple([.atom(Self.watchTag), .pid(owner)]))
    }

    /// Drops `item` of `owner` (it closed).
    func forget(_ item: any Owned, owner: Pid) {
        table.withLock { Self.remove(ObjectIdentifier(item), of: owner, from: &$0) }
    }

    private static func remove(_ id: ObjectIdentifier, of owner: Pid, from t: inout [Pid: [ObjectIdentifier: any Owned]]) {
        t[owner]?[id] = nil
        if t[owner]?.isEmpty == true { t[owner] = nil }
    }

    /// Sockets and listeners still watched (for tests and metrics).
    var count: Int { table.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}

extension TCPSocket: TCPOwners.Owned {}
