import ReliveKit
import ReliveRuntime

/// A recording event handler. Its args are `{Observer, Tag}` (or, after a
/// swap, `{{Observer, Tag}, Result of the old handler's terminate}`). It
/// reports to the observer as `{Tag, …}`: every event it counts, infos,
/// its terminate argument, and an init that came from a swap.
///
/// Events: `{crash, Tag}` throws in the handler with that tag, `{remove, Tag}`
/// answers remove_handler, `{swap, Tag, NewId, Args2}` swaps; anything else
/// is counted and reported. Calls: `count`, `version`, `state`, `remove`,
/// `crash`, `{sleep, Ms}`.
struct Recorder: GenEventHandler {
    let version: Int

    struct State: Sendable {
        var observer: Pid
        var tag: Term
        var count = 0
        var note: Term = .undefined
    }

    enum Failure: Error { case boom, refused }

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenEventInit<State> {
        if args == .atom("refuse") { return .error(.atom("refused")) }
        if args == .atom("crash") { throw Failure.boom }
        if case .pid(let observer)? = args[element: 0], let tag = args[element: 1] {
            return .ok(State(observer: observer, tag: tag))
        }
        // A swap: {Args2, Result}.
        guard case .pid(let observer)? = args[element: 0]?[element: 0], let tag = args[element: 0]?[element: 1],
              let result = args[element: 1] else { return .error(.tuple(.atom("bad_args"), args)) }
        observer.send(.tuple(tag, .atom("init_from_swap"), result))
        return .ok(State(observer: observer, tag: tag, count: result[element: 2]?.intValue ?? 0))
    }

    func handleEvent(_ event: Term, state: inout State, process: any ProcessContext) async throws -> GenEventResult {
        switch event {
        case .tuple([.atom("crash"), state.tag]): throw Failure.boom
        case .tuple([.atom("remove"), state.tag]): return .removeHandler
        case .tuple(let e) where e.count == 4 && e[0] == .atom("swap") && e[1] == state.tag:
            return .swapHandler(args1: .atom("swapped_out"), handler: GenEventHandlerID(e[2]) ?? "recorder", args2: e[3])
        default:
            state.count += 1
            state.observer.send(.tuple(state.tag, event))
            return .ok
        }
    }

    func handleCall(_ request: Term, state: inout State, process: any ProcessContext) async throws -> GenEventCallResult {
        switch request {
        case .atom("count"): return .ok(.int(state.count))
        case .atom("version"): return .ok(.int(version))
        case .atom("state"): return .ok(exportState(state))
        case .atom("remove"): return .removeHandler(reply: .atom("removed"))
        case .atom("crash"): throw Failure.boom
        case .tuple(let e) where e.count == 2 && e[0] == .atom("sleep"):
            try await Task.sleep(for: .milliseconds(e[1].intValue ?? 0))
            return .ok(.ok)
        default: return .ok(.tuple(.atom("error"), .atom("unknown")))
        }
    }

    func handleInfo(_ info: Term, state: inout State, process: any ProcessContext) async throws -> GenEventResult {
        state.observer.send(.tuple(state.tag, .atom("info"), info))
        return .ok
    }

    func terminate(_ arg: Term, state: State, process: any ProcessContext) async -> Term {
        state.observer.send(.tuple(state.tag, .atom("terminated"), arg))
        return .tuple(state.tag, .atom("final"), .int(state.count))
    }

    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        if extra == .atom("refuse") { throw Failure.refused }
        var new = try importState(state)
        new.note = .tuple(.atom("upgraded_from"), oldVersion)
        return new
    }

    func exportState(_ state: State) -> Term {
        [.atom("observer"): .pid(state.observer), .atom("tag"): state.tag, .atom("count"): .int(state.count),
         .atom("note"): state.note]
    }

    func importState(_ term: Term) throws -> State {
        guard case .map(let m) = term, case .pid(let observer)? = m[.atom("observer")], let tag = m[.atom("tag")],
              case .int(let count)? = m[.atom("count")] else { throw BehaviourError.badState(term) }
        return State(observer: observer, tag: tag, count: count, note: m[.atom("note")] ?? .undefined)
    }
}
