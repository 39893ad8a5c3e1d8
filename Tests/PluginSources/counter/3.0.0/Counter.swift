// counter 3.0.0: a deliberately flawed release, for the rollback demo. It stores
// the count in a UInt8, and its code_change refuses counts that do not fit —
// the kind of data migration that works in testing and fails on some live state.
import ReliveKit

struct Counter: GenServerBehaviour {
    struct State: Codable, Sendable {
        var count: UInt8
        var history: [Int]
    }

    /// 2.0.0's state, as it exports it.
    struct OldState: Codable {
        var count: Int
        var history: [Int]
    }

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        .ok(State(count: UInt8(clamping: args.listElements?.first?.intValue ?? 0), history: []))
    }

    func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        switch request {
        case .atom("get"): return .reply(.int(Int(state.count)))
        case .atom("version"): return .reply("3.0.0")
        case .atom("history"): return .reply(.list(state.history.map(Term.int)))
        case .atom("inc"):
            state.history = Array((state.history + [Int(state.count)]).suffix(10))
            state.count &+= 1
            return .reply(.int(Int(state.count)))
        case .atom("crash"): throw CounterFailure.askedToCrash
        default: return .reply(.tuple([.atom("error"), .atom("unknown_request")]))
        }
    }

    func handleCast(_ request: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        if request == .atom("inc") {
            state.history = Array((state.history + [Int(state.count)]).suffix(10))
            state.count &+= 1
        }
        return .noreply
    }

    /// Upgrade from 2.0.0: throws when the count does not fit in a UInt8.
    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        let old = try TermDecoder().decode(OldState.self, from: state)
        guard let count = UInt8(exactly: old.count) else { throw CounterFailure.countTooLarge(old.count) }
        return State(count: count, history: old.history)
    }
}

enum CounterFailure: Error { case askedToCrash, countTooLarge(Int) }

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
    Plugin.export(application: "counter", version: "3.0.0", modules: [
        .genServer("counter", Counter()),
        .supervisor("counter_sup", CounterSup()),
        .supervisor("counter_pool", CounterPool()),
    ])
}
