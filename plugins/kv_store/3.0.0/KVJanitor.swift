// kv_janitor 3.0.0 (as 2.0.0): every 100 ms, asks a slice of the shards to drop their
// expired entries (a whole sweep takes 10 ticks), and counts what they dropped.
// It only sends messages (never calls), so it never blocks an upgrade.
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
