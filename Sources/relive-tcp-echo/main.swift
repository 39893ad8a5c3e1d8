// The Relive side of tools/bench-tcp: the anchor's echo server
// (../shared/anchors/tcp/echo_server.erl) as processes: one acceptor loop,
// one process per connection, {packet, 4}, {active, once}.
// Usage: relive-tcp-echo [PORT]   prints "listening PORT" once it accepts.
import ReliveKit
import ReliveRuntime
import ReliveTCP
#if canImport(Glibc)
import Glibc
#endif

// As a node does (`relive node run`): the scheduler is the default executor,
// installed before any task exists (RELIVE_DEFAULT_EXECUTOR=0 keeps the
// task-executor-preference path, for comparison).
Node.installSchedulerAsDefaultExecutor()
let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 0
let node = Node(name: "tcp_echo@localhost")
let tcp = TCP(node: node)

node.spawn { process in
    var options = TCPOptions(packet: .length4, active: .passive, nodelay: true)
    options.backlog = 1024
    let listener = try await tcp.listen(port: port, options: options, process: process)
    print("listening \(listener.port)")
    fflush(nil)   // all streams (stdout is not concurrency-safe to name)
    while true {
        let socket = try await listener.accept(process: process)
        let conn = process.spawn { conn in
            _ = try await conn.receive()                    // go
            socket.setActive(.once)
            while true {
                let message = try await conn.receive()
                switch message[element: 0] {
                case .atom("tcp")?:
                    guard case .binary(let data)? = message[element: 2] else { continue }
                    try await socket.send(data)
                    socket.setActive(.once)
                default:
                    return                                  // tcp_closed / tcp_error
                }
            }
        }
        try socket.controllingProcess(conn, process: process)
        conn.send(.atom("go"))
    }
}
_ = await node.waitForHalt()
