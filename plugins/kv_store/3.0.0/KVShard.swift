// kv_shard 3.0.0: one shard of the store (registered kv_shard_<i>), 2.0.0's
// shape, and keys under `num:` are typed: they must hold integers. A PUT of
// anything else there is refused, and the upgrade from 2.0.0 checks the live
// data: a `num:` key holding a non-integer makes code_change throw, and the
// whole install rolls back (every process back on 2.0.0, nothing lost).
//
// Requests arrive as messages, never as calls, so a session never blocks
// inside a callback waiting for a shard: a suspend (an upgrade) finds every
// process between callbacks. The protocol between sessions and shards is the
// same in every version:
//   {kv, Ref, From, Request} -> From ! {kv_reply, Ref, Reply}
//   Request: {put, K, V} | {put, K, V, Expiry} | {get, K} | {del, K} | {incr, K}
//            | {ttl, K} | version | count
//   Reply:   ok | {value, V} | none | {ttl, Seconds} | {version, Vsn} | {count, N}
//            | {error, Reason}
//   {expire, Now, Janitor} -> Janitor ! {swept, Index, Expired, Live}
import ReliveKit

let storeVersion = "3.0.0"

struct KVShard: GenServerBehaviour {
    /// The shard's state. 2.0.0 adds `expiries` (unix seconds per key that has
    /// one): 1.0.0 reads this shape by ignoring the field (a downgrade runs
    /// 1.0.0's code_change, which keeps index, log and entries).
    struct State: Codable, Sendable {
        var index: Int
        var log: String
        var entries: [String: String]
        var expiries: [String: Int]
    }

    /// 1.0.0's state, as it exports it.
    struct StateV1: Codable {
        var index: Int
        var log: String
        var entries: [String: String]
    }

    /// Args `[Index, DataDir]`: replays the shard's log.
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        guard let index = args.listElements?.first?.intValue, let dir = args.listElements?.dropFirst().first?.stringValue else {
            return .stop(.tuple(.atom("bad_args"), args))
        }
        var state = State(index: index, log: ShardLog.path(directory: dir, index: index), entries: [:], expiries: [:])
        let now = ShardLog.now()
        for record in try ShardLog.replay(state.log).records {
            switch record {
            case .put(let key, let value, let expiry):
                if expiry != 0 && expiry <= now {
                    state.entries[key] = nil
                    state.expiries[key] = nil
                } else {
                    state.entries[key] = value
                    state.expiries[key] = expiry == 0 ? nil : expiry
                }
            case .delete(let key):
                state.entries[key] = nil
                state.expiries[key] = nil
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
        } else if message[element: 0] == .atom("expire"), let now = message[element: 1]?.intValue,
                  let janitor = message[element: 2]?.pidValue {
            let expired = sweep(now: now, state: &state)
            janitor.send(.tuple(.atom("swept"), .int(state.index), .int(expired), .int(state.entries.count)))
        }
        return .noreply
    }

    /// The reply to one request; a mutation is logged before it is applied.
    func answer(_ request: Term, state: inout State) -> Term {
        let now = ShardLog.now()
        let tag = request.tupleElements?.first?.atomValue?.name ?? request.atomValue?.name ?? ""
        switch (tag, request.tupleElements?.count ?? 0) {
        case ("put", 3), ("put", 4):
            guard let key = request[element: 1]?.stringValue, let value = request[element: 2]?.stringValue else { return badRequest }
            let expiry = request[element: 3]?.intValue ?? 0
            guard expiry >= 0 else { return badRequest }
            guard !key.hasPrefix("num:") || Int(value) != nil else { return .tuple(.atom("error"), .atom("not_an_integer")) }
            if let failure = ShardLog.append(ShardLog.putLine(key, value, expiry: expiry), to: state.log) { return logFailed(failure) }
            state.entries[key] = value
            state.expiries[key] = expiry == 0 ? nil : expiry
            return .atom("ok")
        case ("get", 2):
            guard let key = request[element: 1]?.stringValue else { return badRequest }
            guard let value = live(key, now: now, state: &state) else { return .atom("none") }
            return .tuple(.atom("value"), .string(value))
        case ("del", 2):
            guard let key = request[element: 1]?.stringValue else { return badRequest }
            if let failure = ShardLog.append(ShardLog.deleteLine(key), to: state.log) { return logFailed(failure) }
            state.entries[key] = nil
            state.expiries[key] = nil
            return .atom("ok")
        case ("incr", 2):
            guard let key = request[element: 1]?.stringValue else { return badRequest }
            let current = live(key, now: now, state: &state) ?? "0"
            guard let n = Int(current) else { return .tuple(.atom("error"), .atom("not_an_integer")) }
            let (next, overflow) = n.addingReportingOverflow(1)
            guard !overflow else { return .tuple(.atom("error"), .atom("overflow")) }
            let expiry = state.expiries[key] ?? 0
            if let failure = ShardLog.append(ShardLog.putLine(key, String(next), expiry: expiry), to: state.log) {
                return logFailed(failure)
            }
            state.entries[key] = String(next)
            return .tuple(.atom("value"), .string(String(next)))
        case ("ttl", 2):
            guard let key = request[element: 1]?.stringValue else { return badRequest }
            guard live(key, now: now, state: &state) != nil else { return .atom("none") }
            guard let expiry = state.expiries[key] else { return .tuple(.atom("ttl"), .int(-1)) }
            return .tuple(.atom("ttl"), .int(max(0, expiry - now)))
        case ("version", 0):
            return .tuple(.atom("version"), .string(storeVersion))
        case ("count", 0):
            return .tuple(.atom("count"), .int(state.entries.count))
        default:
            return .tuple(.atom("error"), .atom("unknown_request"))
        }
    }

    /// The value of `key` unless it expired (an expired one is removed, and
    /// its removal logged, so that a version without expiries replays it gone).
    private func live(_ key: String, now: Int, state: inout State) -> String? {
        guard let value = state.entries[key] else { return nil }
        if let expiry = state.expiries[key], expiry <= now {
            if ShardLog.append(ShardLog.deleteLine(key), to: state.log) == nil {
                state.entries[key] = nil
                state.expiries[key] = nil
            }
            return nil
        }
        return value
    }

    /// Removes every entry expired at `now`; returns how many.
    private func sweep(now: Int, state: inout State) -> Int {
        var expired = 0
        for (key, expiry) in state.expiries where expiry <= now {
            guard ShardLog.append(ShardLog.deleteLine(key), to: state.log) == nil else { break }
            state.entries[key] = nil
            state.expiries[key] = nil
            expired += 1
        }
        return expired
    }

    private var badRequest: Term { .tuple(.atom("error"), .atom("bad_request")) }
    /// The mutation was not applied: it could not be made durable.
    private func logFailed(_ why: String) -> Term { .tuple(.atom("error"), .atom("log_write_failed")) }

    /// Up from 2.0.0 (same shape): every `num:` key must hold an integer,
    /// else this throws and the install rolls back.
    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        let state = try TermDecoder().decode(State.self, from: state)
        for (key, value) in state.entries where key.hasPrefix("num:") && Int(value) == nil {
            throw TypedKeyError(shard: state.index, key: key, value: value)
        }
        return state
    }
}

/// A `num:` key holding a non-integer (refuses the upgrade to 3.0.0).
struct TypedKeyError: Error, CustomStringConvertible {
    let shard: Int
    let key: String
    let value: String
    var description: String { "kv_shard_\(shard): \(key) holds \(value), not an integer" }
}
