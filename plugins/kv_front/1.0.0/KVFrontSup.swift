// kv_front_sup: the sessions' supervisor, then the listener (rest_for_one:
// if the sessions' supervisor restarts, so does the listener).
import ReliveKit

struct KVFrontSup: SupervisorBehaviour {
    func initialize(_ args: Term) throws -> SupervisorSpec? {
        SupervisorSpec(flags: SupervisorFlags(strategy: .restForOne, intensity: 5, period: .seconds(10)), children: [
            ChildSpec(id: .atom("kv_session_sup"), start: .module("kv_session_sup", args: [], name: "kv_session_sup"),
                      type: .supervisor),
            ChildSpec(id: .atom("kv_listener"), start: .module("kv_listener", args: [], name: "kv_listener")),
        ])
    }
}
