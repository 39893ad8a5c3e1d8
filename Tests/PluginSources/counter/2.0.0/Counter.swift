// counter 2.0.0: the count keeps a history of the last values, and the state
// changes shape: code_change builds it from 1.0.0's exported state.
import ReliveKit

struct Counter: GenServerBehaviour {
    struct State: Codable, Sendable {
        var count: Int
        var history: [Int]
    }

    /// 1.0.0's state, as it exports it.
    struct OldState: Codable {
        var count: Int
    }

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        .ok(State(count: args.listElements?.first?.intValue ?? 0, history: []))
    }

    func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        switch request {
        case .atom("get"): return .reply(.int(state.count))
        case .atom("version"): return .reply("2.0.0")
        case .atom("history"): return .reply(.list(state.history.map(Term.int)))
        case .atom("inc"):
            state.history = Array((state.history + [state.count]).suffix(10))
            state.count += 1
            return .reply(.int(state.count))
        case .atom("crash"): throw CounterFailure.askedToCrash
        default: return .reply(.tuple([.atom("error"), .atom("unknown_request")]))
        }
    }

    func handleCast(_ request: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        if request == .atom("inc") {
            state.history = Array((state.history + [state.count]).suffix(10))
            state.count += 1
        }
        return .noreply
    }

    /// Upgrade from 1.0.0 (`{count}`), or downgrade target's own shape.
    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        if let current = try? TermDecoder().decode(State.self, from: state) { return current }
        let old = try TermDecoder().decode(OldState.self, from: state)
        return State(count: old.count, history: [])
    }
}

enum CounterFailure: Error { case askedToCrash }

struct CounterSup: SupervisorBehaviour {
    func initialize(_ args: Term) throws -> SupervisorSpec? {
        SupervisorSpec(flags: SupervisorFlags(strategy: .oneForOne, intensity: 5, period: .seconds(10)),
                       children: [ChildSpec(id: .atom("counter"), start: .module("counter", args: args, name: "counter"))])
    }
}

/// A pool of counters (simple_one_for_one): `start_child(Pool, [Initial])`.
struct CounterPool: SupervisorBehaviour {
    func initialize(_ args: Term) throws -> SupervisorSpec? {
        SupervisorSpec(flags: SupervisorFlags(strategy: .simpleOneForOne, intensity: 10, period: .seconds(10)),
                       children: [ChildSpec(id: .atom("counter"), start: .module("counter", args: []))])
    }
}

@_cdecl("relive_plugin_descriptor")
public func reliveDescriptor() -> UnsafeMutableRawPointer {
    Plugin.export(application: "counter", version: "2.0.0", modules: [
        .genServer("counter", Counter()),
        .supervisor("counter_sup", CounterSup()),
        .supervisor("counter_pool", CounterPool()),
    ])
}
