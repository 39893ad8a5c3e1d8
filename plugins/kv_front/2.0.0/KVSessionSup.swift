// kv_session_sup: one temporary kv_session per connection (simple_one_for_one).
import ReliveKit

struct KVSessionSup: SupervisorBehaviour {
    func initialize(_ args: Term) throws -> SupervisorSpec? {
        SupervisorSpec(flags: SupervisorFlags(strategy: .simpleOneForOne, intensity: 10, period: .seconds(10)),
                       children: [ChildSpec(id: .atom("kv_session"), start: .module("kv_session", args: []),
                                            restart: .temporary)])
    }
}
