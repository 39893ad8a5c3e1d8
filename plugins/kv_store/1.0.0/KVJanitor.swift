// kv_janitor 1.0.0: ticks every 100 ms and does nothing useful yet (1.0.0
// has no expiries); 2.0.0 makes it sweep expired entries.
import ReliveKit

struct KVJanitor: GenServerBehaviour {
    struct State: Codable, Sendable {
        var shards: Int
        var ticks: Int
    }

    static let tick: Term = .atom("tick")
    static let interval: Duration = .milliseconds(100)

    /// Args `[Shards]`.
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        _ = process.sendAfter(Self.interval, Self.tick, to: process.pid)
        return .ok(State(shards: max(1, args.listElements?.first?.intValue ?? 1), ticks: 0))
    }

    func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        request == .atom("expired") ? .reply(.int(0)) : .reply(.tuple(.atom("error"), .atom("unknown_request")))
    }

    func handleInfo(_ message: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        if message == Self.tick {
            state.ticks += 1
            _ = process.sendAfter(Self.interval, Self.tick, to: process.pid)
        }
        return .noreply
    }

    /// Down from a later janitor: keep the shard count, restart the tick count.
    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        if let same = try? TermDecoder().decode(State.self, from: state) { return same }
        let shards = (try? TermDecoder().decode(Shards.self, from: state))?.shards ?? 1
        return State(shards: max(1, shards), ticks: 0)
    }

    /// What any janitor's state has (later versions add fields).
    struct Shards: Codable {
        var shards: Int
    }
}
