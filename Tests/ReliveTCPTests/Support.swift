import ReliveKit
import ReliveRuntime
import ReliveTCP
import Synchronization

/// How long a test process waits for something that must come: a failure
/// guard only (a missing message fails the test instead of hanging it).
let guardTimeout: Duration = .seconds(10)

struct Missing: Error, CustomStringConvertible {
    let what: String
    var description: String { "missing: \(what)" }
}

/// The next message, or `Missing`.
func next(_ p: any ProcessContext, _ what: String) async throws -> Term {
    guard let m = try await p.receive(timeout: guardTimeout) else { throw Missing(what: what) }
    return m
}

/// The next message about `socket` (`{tcp…, S, …}`), or `Missing`.
func socketMessage(_ p: any ProcessContext, _ socket: Socket) async throws -> Term {
    let m = try await p.receive(timeout: guardTimeout) { m -> Term? in
        guard let s = m[element: 1], socket.matches(s) else { return nil }
        return m
    }
    guard let m else { throw Missing(what: "a message about \(socket)") }
    return m
}

/// A listener whose accepted connections are each run by `handler` in a
/// process of their own (the accepting loop runs in a process of its own too).
func serve(_ tcp: TCP, options: TCPOptions, from p: any ProcessContext,
           handler: @escaping @Sendable (Socket, any ProcessContext) async throws -> Void) async throws -> Int {
    let me = p.pid
    _ = p.spawn([]) { acceptor in
        let listener = try await tcp.listen(port: 0, options: options, process: acceptor)
        me.send(.tuple(.atom("port"), .int(listener.port)))
        while true {
            let socket = try await listener.accept(process: acceptor)
            let conn = acceptor.spawn([]) { conn in
                // Selectively: the socket's first messages may come before `go`
                // (data that arrived during the hand-over is moved here first).
                _ = try await conn.receive(matching: { $0 == .atom("go") ? true : nil })
                try await handler(socket, conn)
            }.pid
            try socket.controllingProcess(conn, process: acceptor)
            conn.send(.atom("go"))
        }
    }
    let reply = try await p.receive(timeout: guardTimeout) { m in m[element: 0] == .atom("port") ? m[element: 1]?.intValue : nil }
    guard let reply else { throw Missing(what: "listening port") }
    return reply
}

/// The anchor's echo loop: active once, echo each frame.
@Sendable func echo(_ socket: Socket, _ p: any ProcessContext) async throws {
    socket.setActive(.once)
    while true {
        let m = try await socketMessage(p, socket)
        guard m[element: 0] == .atom("tcp"), case .binary(let data)? = m[element: 2] else { return }
        try await socket.send(data)
        socket.setActive(.once)
    }
}

final class Box<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value { storage.withLock { $0 } }
    func set(_ value: Value) { storage.withLock { $0 = value } }
}
