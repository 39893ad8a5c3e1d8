import ReliveKit
import ReliveRuntime

/// A worker that tells the process registered as `observer` when it starts
/// and stops: `{started, Id}`, `{stopped, Id, Reason}`. Args: `[Id]` or
/// `[Id, fail]` (init fails) or `[Id, ignore]`.
struct ObservedWorker: GenServerBehaviour {
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Term> {
        let list = args.listElements ?? []
        let id = list.first ?? .undefined
        if list.count > 1, list[1] == .atom("fail") { return .stop(.atom("init_failed")) }
        if list.count > 1, list[1] == .atom("ignore") { return .ignore }
        process.trapExit = true
        try? process.send(.tuple(.atom("started"), id, .pid(process.pid)), to: Atom("observer"))
        return .ok(id)
    }

    func handleCall(_ request: Term, from: CallFrom, state: inout Term, process: any ProcessContext) async throws -> GenServerCallResult {
        if request == .atom("crash") { return .stop(.atom("crashed"), reply: .ok) }
        return .reply(state)
    }

    func handleCast(_ request: Term, state: inout Term, process: any ProcessContext) async throws -> GenServerResult {
        request == .atom("crash") ? .stop(.atom("crashed")) : (request == .atom("quit") ? .stop(.normal) : .noreply)
    }

    func terminate(reason: Term, state: Term, process: any ProcessContext) async {
        try? process.send(.tuple(.atom("stopped"), state, reason), to: Atom("observer"))
    }
}

/// A supervisor whose init reads `{Strategy, Intensity, [ChildId…]}` and
/// supervises ObservedWorkers with those ids.
struct TestSupervisor: SupervisorBehaviour {
    var extraChild: Term? = nil

    func initialize(_ args: Term) throws -> SupervisorSpec? {
        guard case .tuple(let e) = args, e.count == 3, case .atom(let s) = e[0],
              let strategy = SupervisorFlags.Strategy(rawValue: s.name), case .int(let intensity) = e[1],
              case .list(let ids) = e[2] else { return nil }
        var children = ids.map { id -> ChildSpec in
            var args: [Term] = [id]
            if case .tuple(let t) = id, t.count == 2 { args = [t[0], t[1]] }   // {Id, fail}
            return ChildSpec(id: args[0], start: .module("worker", args: .list(args)), shutdown: .timeout(.seconds(2)))
        }
        if let extraChild {
            children.append(ChildSpec(id: extraChild, start: .module("worker", args: [extraChild])))
        }
        return SupervisorSpec(flags: SupervisorFlags(strategy: strategy, intensity: intensity, period: .seconds(5)),
                              children: children)
    }
}
