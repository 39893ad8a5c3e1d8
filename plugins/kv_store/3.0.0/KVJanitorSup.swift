// kv_janitor_sup: keeps the janitor running. Its intensity is high (1000
// restarts in 10 s) so that a janitor that crashes on every tick is restarted
// for ever here and never takes the shards' supervisor down with it.
import ReliveKit

struct KVJanitorSup: SupervisorBehaviour {
    /// Args `[Shards]`.
    func initialize(_ args: Term) throws -> SupervisorSpec? {
        SupervisorSpec(flags: SupervisorFlags(strategy: .oneForOne, intensity: 1000, period: .seconds(10)),
                       children: [ChildSpec(id: .atom("kv_janitor"), start: .module("kv_janitor", args: args, name: "kv_janitor"))])
    }
}
