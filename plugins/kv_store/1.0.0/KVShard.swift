// kv_shard 1.0.0: one shard of the store (registered kv_shard_<i>): a map
// of keys to values, every mutation logged before it is acknowledged.
//
// Requests arrive as messages, never as calls, so a session never blocks
// inside a callback waiting for a shard: a suspend (an upgrade) finds every
// process between callbacks. The protocol between sessions and shards is the
// same in every version:
//   {kv, Ref, From, Request} -> From ! {kv_reply, Ref, Reply}
//   Request: {put, K, V} | {get, K} | {del, K} | {incr, K} | version | count
//   Reply:   ok | {value, V} | none | {version, Vsn} | {count, N} | {error, Reason}
import ReliveKit

let storeVersion = "1.0.0"

struct KVShard: GenServerBehaviour {
    struct State: Codable, Sendable {
        var index: Int
        var log: String
        var entries: [String: String]
    }

    /// Args `[Index, DataDir]`: replays the shard's log. 1.0.0 has no
    /// expiries, but it reads every version's log: an entry whose expiry has
    /// passed is gone, one that has not yet is kept (for ever, here).
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        guard let index = args.listElements?.first?.intValue, let dir = args.listElements?.dropFirst().first?.stringValue else {
            return .stop(.tuple(.atom("bad_args"), args))
        }
        var state = State(index: index, log: ShardLog.path(directory: dir, index: index), entries: [:])
        let now = ShardLog.now()
        for record in try ShardLog.replay(state.log).records {
            switch record {
            case .put(let key, let value, let expiry):
                state.entries[key] = expiry != 0 && expiry <= now ? nil : value
            case .delete(let key):
                state.entries[key] = nil
            }
        }
        return .ok(state)
    }

    func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        .reply(answer(request, state: &state))
    }

    func handleInfo(_ message: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        if message[element: 0] == .atom("kv"), let ref = message[element: 1], let from = message[element: 2]?.pidValue,
           let request = message[element: 3] {
            from.send(.tuple(.atom("kv_reply"), ref, answer(request, state: &state)))
        }
        return .noreply
    }

    /// The reply to one request; a mutation is logged before it is applied.
    func answer(_ request: Term, state: inout State) -> Term {
        let tag = request.tupleElements?.first?.atomValue?.name ?? request.atomValue?.name ?? ""
        switch (tag, request.tupleElements?.count ?? 0) {
        case ("put", 3):
            guard let key = request[element: 1]?.stringValue, let value = request[element: 2]?.stringValue else { return badRequest }
            if let failure = ShardLog.append(ShardLog.putLine(key, value, expiry: 0), to: state.log) { return logFailed(failure) }
            state.entries[key] = value
            return .atom("ok")
        case ("get", 2):
            guard let key = request[element: 1]?.stringValue else { return badRequest }
            guard let value = state.entries[key] else { return .atom("none") }
            return .tuple(.atom("value"), .string(value))
        case ("del", 2):
            guard let key = request[element: 1]?.stringValue else { return badRequest }
            if let failure = ShardLog.append(ShardLog.deleteLine(key), to: state.log) { return logFailed(failure) }
            state.entries[key] = nil
            return .atom("ok")
        case ("incr", 2):
            guard let key = request[element: 1]?.stringValue else { return badRequest }
            guard let n = Int(state.entries[key] ?? "0") else { return .tuple(.atom("error"), .atom("not_an_integer")) }
            let (next, overflow) = n.addingReportingOverflow(1)
            guard !overflow else { return .tuple(.atom("error"), .atom("overflow")) }
            if let failure = ShardLog.append(ShardLog.putLine(key, String(next), expiry: 0), to: state.log) {
                return logFailed(failure)
            }
            state.entries[key] = String(next)
            return .tuple(.atom("value"), .string(String(next)))
        case ("version", 0):
            return .tuple(.atom("version"), .string(storeVersion))
        case ("count", 0):
            return .tuple(.atom("count"), .int(state.entries.count))
        default:
            return .tuple(.atom("error"), .atom("unknown_request"))
        }
    }

    private var badRequest: Term { .tuple(.atom("error"), .atom("bad_request")) }
    /// The mutation was not applied: it could not be made durable.
    private func logFailed(_ why: String) -> Term { .tuple(.atom("error"), .atom("log_write_failed")) }

    /// Down from a later version (which adds fields, e.g. 2.0.0's expiries):
    /// index, log and every entry kept, the added fields dropped.
    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        try TermDecoder().decode(State.self, from: state)
    }
}
