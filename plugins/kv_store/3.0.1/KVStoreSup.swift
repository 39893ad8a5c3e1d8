// kv_store_sup: the shards kv_shard_0 ..< kv_shard_<Shards> and the
// janitor's supervisor.
import ReliveKit

struct KVStoreSup: SupervisorBehaviour {
    /// Args `[Shards, DataDir]`.
    func initialize(_ args: Term) throws -> SupervisorSpec? {
        guard let shards = args.listElements?.first?.intValue, shards > 0,
              let dir = args.listElements?.dropFirst().first?.stringValue else {
            throw StoreConfigError(message: "kv_store_sup wants [Shards > 0, DataDir], got \(args)")
        }
        var children: [ChildSpec] = []
        children.reserveCapacity(shards + 1)
        for i in 0..<shards {
            let name = Atom("kv_shard_\(i)")
            children.append(ChildSpec(id: .atom(name), start: .module("kv_shard", args: [.int(i), .string(dir)], name: name)))
        }
        children.append(ChildSpec(id: .atom("kv_janitor_sup"), start: .module("kv_janitor_sup", args: [.int(shards)], name: "kv_janitor_sup"),
                                  type: .supervisor))
        return SupervisorSpec(flags: SupervisorFlags(strategy: .oneForOne, intensity: 10, period: .seconds(10)), children: children)
    }
}

/// The store's configuration is unusable (names what).
struct StoreConfigError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
