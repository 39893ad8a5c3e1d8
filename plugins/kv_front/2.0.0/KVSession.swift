// kv_session 2.0.0: one client connection (active once, line packets). It
// sends each request to its shard as a message and answers when the reply
// comes, so it is never blocked inside a callback: a suspend always finds it
// between messages, and a reply that arrives during an upgrade waits in the
// mailbox. One request at a time: the socket stays passive until the reply
// is sent, so a pipelining client waits in the kernel's buffers.
//
// Lines: the socket cuts lines up to KVProtocol.frameLimit; the session
// answers a line over the protocol's limit (KVProtocol.maxLine) with
// `ERR line_too_long` and closes. A line over the frame limit is closed by
// the socket itself, without a reply.
import ReliveKit

struct KVSession: GenServerBehaviour {
    /// 2.0.0's state: 1.0.0's plus `peer` (the client's address, for status).
    /// 1.0.0 reads this shape by ignoring `peer` (a downgrade runs its code_change).
    struct State: Codable, Sendable {
        var socket: Term
        /// Requests this connection has been answered (the session counter).
        var served: Int
        /// The reference of the request a shard has not answered yet.
        var pending: Term?
        var peer: String
    }

    /// 1.0.0's state, as it exports it.
    struct StateV1: Codable {
        var socket: Term
        var served: Int
        var pending: Term?
    }

    /// Args `[Socket]` (from kv_listener's acceptor, which then hands the
    /// socket over and sends `{take, Socket}`).
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        guard let term = args.listElements?.first, let socket = Socket(term) else { return .stop(.atom("no_socket")) }
        return .ok(State(socket: term, served: 0, pending: nil, peer: socket.peerAddress?.description ?? "unknown"))
    }

    func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        request == .atom("served") ? .reply(.int(state.served)) : .reply(.tuple(.atom("error"), .atom("unknown_request")))
    }

    func handleInfo(_ message: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        guard let socket = Socket(state.socket) else { return .stop(.atom("no_socket")) }
        let tag = message[element: 0]?.atomValue?.name
        if tag == "kv_reply" {
            guard let pending = state.pending, message[element: 1] == pending, let reply = message[element: 2] else { return .noreply }
            state.pending = nil
            return try await answer(KVProtocol.format(reply), socket: socket, state: &state)
        }
        guard let about = message[element: 1], socket.matches(about) else { return .noreply }
        switch tag {
        case "take"?:
            socket.setActive(.once)
        case "tcp"?:
            guard case .binary(let bytes)? = message[element: 2] else { return .noreply }
            guard bytes.count <= KVProtocol.maxLine else {
                try? await socket.send(Array("ERR line_too_long\n".utf8))
                socket.close()
                return .stop(.normal)
            }
            var line = bytes[...]
            if line.last == UInt8(ascii: "\n") { line = line.dropLast() }
            switch KVProtocol.parse(line) {
            case .reply(let text):
                return try await answer(text, socket: socket, state: &state)
            case .session:
                return try await answer("SESSION \(state.served)", socket: socket, state: &state)
            case .shard(let key, let request):
                let shards = process.environment("kv_store", "shards")?.intValue ?? 16
                let index = key.map { KVProtocol.shard(of: $0, shards: shards) } ?? 0
                let ref = Term.ref(process.makeRef())
                do {
                    try process.send(.tuple(.atom("kv"), ref, .pid(process.pid), request), to: Atom("kv_shard_\(index)"))
                    state.pending = ref
                } catch {
                    return try await answer("ERR unavailable", socket: socket, state: &state)
                }
            }
        case "tcp_error"?, "tcp_closed"?:
            return .stop(.normal)
        default:
            break
        }
        return .noreply
    }

    /// Sends one reply line, counts the request, and reads the next line.
    private func answer(_ text: String, socket: Socket, state: inout State) async throws -> GenServerResult {
        do { try await socket.send(Array((text + "\n").utf8)) } catch {
            socket.close()
            return .stop(.normal)
        }
        state.served += 1
        socket.setActive(.once)
        return .noreply
    }

    func terminate(reason: Term, state: State, process: any ProcessContext) async {
        Socket(state.socket)?.close()
    }

    /// Up from 1.0.0: socket, counter and pending request kept, the peer
    /// read from the socket. Down from a later version: read as it is.
    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        if oldVersion == .string("1.0.0") {
            let old = try TermDecoder().decode(StateV1.self, from: state)
            let peer = Socket(old.socket)?.peerAddress?.description ?? "unknown"
            return State(socket: old.socket, served: old.served, pending: old.pending, peer: peer)
        }
        return try TermDecoder().decode(State.self, from: state)
    }
}
