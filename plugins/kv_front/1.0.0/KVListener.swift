// kv_listener: listens on the port from the application environment (`port`,
// default 7070; `ip`, default 127.0.0.1) and runs an acceptor, a process
// linked to it, that starts a kv_session under kv_session_sup for each
// connection and hands the socket over. The listener owns the listening
// socket: if it ends, the port closes, and its supervisor listens again
// (reuseaddr).
import ReliveKit

struct KVListener: GenServerBehaviour {
    struct State: Codable, Sendable {
        var listener: Term
        var port: Int
    }

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        let port = process.environment("kv_front", "port")?.intValue ?? 7070
        guard (0...65_535).contains(port) else { return .stop(.tuple(.atom("bad_port"), .int(port))) }
        var options = TCPOptions(packet: .line(maxLength: KVProtocol.frameLimit), nodelay: true)
        options.reuseaddr = true
        options.ip = process.environment("kv_front", "ip")?.stringValue ?? "127.0.0.1"
        let listener = try await process.listen(port: port, options: options)
        _ = process.spawn(.link) { acceptor in try await Self.acceptLoop(listener, process: acceptor) }
        return .ok(State(listener: listener.term, port: listener.port))
    }

    /// The acceptor: for each connection, a new session owns the socket.
    static func acceptLoop(_ listener: ListenSocket, process: any ProcessContext) async throws {
        while true {
            let socket = try await listener.accept(timeout: nil, process: process)
            do {
                guard let sup = process.whereis("kv_session_sup"),
                      let session = try await Supervisor.startChild(sup, extraArgs: [socket.term], process: process) else {
                    socket.close()
                    continue
                }
                try socket.controllingProcess(session, process: process)
                session.send(.tuple(.atom("take"), socket.term))
            } catch {
                socket.close()
            }
        }
    }

    func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        request == .atom("port") ? .reply(.int(state.port)) : .reply(.tuple(.atom("error"), .atom("unknown_request")))
    }

    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        try TermDecoder().decode(State.self, from: state)
    }
}
