import ReliveKit
import ReliveRuntime

/// Version 1 of a counter: state is a plain Int.
struct CounterV1: GenServerBehaviour {
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Int> {
        .ok(args.intValue ?? 0)
    }

    func handleCall(_ request: Term, from: CallFrom, state: inout Int, process: any ProcessContext) async throws -> GenServerCallResult {
        switch request {
        case .atom("get"): return .reply(.int(state))
        case .atom("version"): return .reply(.atom("v1"))
        case .atom("inc"):
            state += 1
            return .reply(.int(state))
        case .atom("stop"): return .stop(.normal, reply: .ok)
        case .atom("later"):
            // Reply from another process, after this callback has returned.
            process.spawn([]) { _ in from.reply(.atom("from_elsewhere")) }
            return .noreply
        case .tuple(let e) where e.first == .atom("sleep"):
            try await Task.sleep(for: .milliseconds(e.count > 1 ? e[1].intValue ?? 0 : 0))
            return .reply(.ok)
        case .atom("crash"): throw CounterError.boom
        default: return .reply(.tuple([.atom("error"), .atom("unknown")]))
        }
    }

    func handleCast(_ request: Term, state: inout Int, process: any ProcessContext) async throws -> GenServerResult {
        if request == .atom("inc") { state += 1 }
        return .noreply
    }

    func exportState(_ state: Int) -> Term { .tuple([.atom("state"), .int(state)]) }

    func importState(_ term: Term) throws -> Int {
        guard case .tuple(let e) = term, e.count == 2, e[0] == .atom("state"), case .int(let n) = e[1] else {
            throw BehaviourError.badState(term)
        }
        return n
    }
}

enum CounterError: Error { case boom, refuse }

/// Version 2: state is a struct with a history; code_change reads v1's export.
struct CounterV2: GenServerBehaviour {
    struct State: Sendable { var count: Int; var history: [Int] }

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        .ok(State(count: args.intValue ?? 0, history: []))
    }

    func handleCall(_ request: Term, from: CallFrom, state: inout State, process: any ProcessContext) async throws -> GenServerCallResult {
        switch request {
        case .atom("get"): return .reply(.int(state.count))
        case .atom("version"): return .reply(.atom("v2"))
        case .atom("inc"):
            state.history.append(state.count)
            state.count += 1
            return .reply(.int(state.count))
        default: return .reply(.tuple([.atom("error"), .atom("unknown")]))
        }
    }

    func handleCast(_ request: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        if request == .atom("inc") { state.count += 1 }
        return .noreply
    }

    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        if extra == .atom("refuse") { throw CounterError.refuse }
        guard case .tuple(let e) = state, e.count == 2, case .int(let n) = e[1] else { throw BehaviourError.badState(state) }
        return State(count: n, history: [])
    }

    func exportState(_ state: State) -> Term {
        .map(TermMap([.atom("count"): .int(state.count), .atom("history"): .list(state.history.map(Term.int))]))
    }

    func importState(_ term: Term) throws -> State {
        guard case .map(let m) = term, case .int(let n)? = m[.atom("count")] else { throw BehaviourError.badState(term) }
        return State(count: n, history: [])
    }
}
