// kv_janitor 3.0.1: 2.0.0's janitor with a bug. It now also checks the live
// entry counts the shards report, and trips over its own check: once the
// store holds any entry, every sweep reply crashes it. kv_janitor_sup
// restarts it every time (about 10 times a second) while the shards and the
// sessions go on serving: no request fails, nothing is lost, but the node's
// health gate sees the restarts and rolls 3.0.1 back.
import ReliveKit

struct KVJanitor: GenServerBehaviour {
    struct State: Codable, Sendable {
        var shards: Int
        var next: Int
        var expired: Int
    }

    static let tick: Term = .atom("tick")
    static let interval: Duration = .milliseconds(100)

    /// Args `[Shards]`.
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        let shards = max(1, args.listElements?.first?.intValue ?? 1)
        _ = process.sendAfter(Self.interval, Self.tick, to: process.pid)
        return .ok(State(shards: shards, next: 0, expired: 0))
    }

    func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        request == .atom("expired") ? .reply(.int(state.expired)) : .reply(.tuple(.atom("error"), .atom("unknown_request")))
    }

    func handleInfo(_ message: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        if message == Self.tick {
            let slice = max(1, (state.shards + 9) / 10)
            let now = ShardLog.now()
            for _ in 0..<min(slice, state.shards) {
                try? process.send(.tuple(.atom("expire"), .int(now), .pid(process.pid)), to: Atom("kv_shard_\(state.next)"))
                state.next = (state.next + 1) % state.shards
            }
            _ = process.sendAfter(Self.interval, Self.tick, to: process.pid)
        } else if message[element: 0] == .atom("swept"), let expired = message[element: 2]?.intValue {
            state.expired += expired
            // The bug: "live entries must have been expired by now".
            if let live = message[element: 3]?.intValue, live > 0 {
                throw JanitorBug(shard: message[element: 1]?.intValue ?? -1, live: live)
            }
        }
        return .noreply
    }

    /// 1.0.0's janitor kept `{shards, ticks}`: start the sweep at shard 0.
    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        if let same = try? TermDecoder().decode(State.self, from: state) { return same }
        let shards = (try? TermDecoder().decode(StateV1.self, from: state))?.shards ?? 1
        return State(shards: max(1, shards), next: 0, expired: 0)
    }

    struct StateV1: Codable {
        var shards: Int
        var ticks: Int
    }
}

/// 3.0.1's janitor bug.
struct JanitorBug: Error, CustomStringConvertible {
    let shard: Int
    let live: Int
    var description: String { "kv_janitor: kv_shard_\(shard) reports \(live) live entries after a sweep" }
}
