import ReliveCodeServer
import ReliveKit
import ReliveRuntime
import ReliveTCP
import ReliveTestSupport
import Testing

/// Plugin code listens, accepts and connects through its ``ProcessContext``
/// (the kit), without linking the TCP module: the node's `TCP` is its
/// network service.
@Suite struct PluginListenTests {
    /// A gen_server that listens in `init` (a line protocol, port 0), runs a
    /// linked acceptor that hands each connection to the server, and echoes
    /// every line as `echo: <line>`. `port` (call) answers the port.
    static let source = """
        import ReliveKit

        struct EchoServer: GenServerBehaviour {
            func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Term> {
                let listener = try await process.listen(port: 0, options: TCPOptions(packet: .line(maxLength: 1024)))
                let server = process.pid
                _ = process.spawn(.link) { acceptor in
                    while true {
                        let socket = try await listener.accept(timeout: nil, process: acceptor)
                        try socket.controllingProcess(server, process: acceptor)
                        server.send(.tuple(.atom("take"), socket.term))
                    }
                }
                return .ok(.tuple(.atom("listening"), listener.term))
            }
            func handleCall(_ request: Term, from: CallFrom, state: inout Term,
                            process: any ProcessContext) async throws -> GenServerCallResult {
                guard let listener = ListenSocket(state[element: 1] ?? .undefined) else { return .reply(.atom("no_listener")) }
                return .reply(.int(listener.port))
            }
            func handleInfo(_ message: Term, state: inout Term, process: any ProcessContext) async throws -> GenServerResult {
                guard let socket = Socket(message[element: 1] ?? .undefined) else { return .noreply() }
                if message[element: 0] == .atom("take") {
                    socket.setActive(.once)
                } else if message[element: 0] == .atom("tcp"), case .binary(let line)? = message[element: 2] {
                    try await socket.send(Array("echo: ".utf8) + line)
                    socket.setActive(.once)
                } else {
                    socket.close()
                }
                return .noreply()
            }
            func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> Term { state }
        }

        @_cdecl("relive_plugin_descriptor")
        public func reliveDescriptor() -> UnsafeMutableRawPointer {
            Plugin.export(application: "tcp_listen_echo", version: "1.0.0", modules: [.genServer("tcp_listen_echo", EchoServer())])
        }
        """

    static let line = TCPOptions(packet: .line(maxLength: 1024))

    @Test func aPluginsGenServerListensAcceptsAndEchoes() async throws {
        let plugin = try await PluginFixtures.shared.custom("tcp-listen-echo", app: "tcp_listen_echo", vsn: "1.0.0", source: Self.source)
        let node = Node(name: "tcp_plugin_listen@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let code = CodeServer(node: node)
        try code.load(pluginAt: plugin)
        let (replies, port, server) = try await node.run { p in
            let server = try #require(try await GenServer.start("tcp_listen_echo", link: false, from: p).pid)
            let port = try #require(try await GenServer.call(server, .atom("port"), process: p).intValue)
            // Two clients at once: each gets its own lines back. The second
            // connects as plugin code would, through its ProcessContext.
            let a = try await tcp.connect(host: "127.0.0.1", port: port, options: Self.line, process: p)
            let context: any ProcessContext = p
            let b = try await context.connect(host: "127.0.0.1", port: port, options: Self.line, timeout: .seconds(5))
            #expect(b.owner == p.pid)
            var replies: [String] = []
            for (socket, text) in [(a, "hello from a\n"), (b, "hello from b\n"), (a, "again a\n")] {
                try await socket.send(Array(text.utf8))
                replies.append(String(decoding: try await socket.recv(timeout: guardTimeout, process: p), as: UTF8.self))
            }
            a.close(); b.close()
            return (replies, port, server)
        }
        #expect(replies == ["echo: hello from a\n", "echo: hello from b\n", "echo: again a\n"])

        // The listener belongs to the process that listened: when it ends,
        // the port stops serving (refused, or accepted by the OS and closed).
        try await node.run { p in
            let down = p.monitor(server)
            p.exit(server, reason: .atom("kill"))
            _ = try await p.receive(timeout: guardTimeout) { m in m[element: 1] == .ref(down) ? m : nil }
        }
        _ = await node.waitUntilIdle() // the owners watcher has closed the listener
        let after = try await node.run { p -> SocketError? in
            do {
                let s = try await tcp.connect(host: "127.0.0.1", port: port, options: Self.line, process: p)
                try? await s.send(Array("anyone?\n".utf8))
                _ = try await s.recv(timeout: guardTimeout, process: p)
                return nil
            } catch let error as SocketError { return error }
        }
        #expect(after == .closed || after?.reason == "econnrefused" || after?.reason == "econnreset", "\(String(describing: after))")
    }

    @Test func aNodeWithoutTCPSaysSo() async throws {
        let node = Node(name: "tcp_none@test")
        defer { node.shutdown() }
        let error = try await node.run { p -> SocketError? in
            do { _ = try await p.listen(port: 0, options: TCPOptions()); return nil } catch let e as SocketError { return e }
        }
        #expect(error == .noNetwork)
        #expect(error?.reason == "enotsup")
    }
}
