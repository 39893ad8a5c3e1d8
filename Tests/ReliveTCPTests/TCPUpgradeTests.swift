import Foundation
import ReliveCodeServer
import ReliveKit
import ReliveRuntime
import ReliveTCP
import Testing

/// The owner of a connection is a gen_server from a real plugin; it is
/// suspended, changed to a new version of its code and resumed while its
/// client keeps sending. The connection stays up and every byte arrives in order.
@Suite struct TCPUpgradeTests {
    /// An echo gen_server as plugin `tcp_owner` `vsn`: `{take, Socket}` (info)
    /// makes it the socket's user (active once); it echoes each frame,
    /// prefixed with `prefix`. Its state is `{socket, S}`: a socket crosses
    /// the code change inside the state term.
    static func ownerSource(vsn: String, prefix: String) -> String {
        """
        import ReliveKit

        struct Owner: GenServerBehaviour {
            func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Term> { .ok(.undefined) }
            func handleCall(_ request: Term, from: CallFrom, state: inout Term,
                            process: any ProcessContext) async throws -> GenServerCallResult {
                .reply("\(vsn)")
            }
            func handleInfo(_ message: Term, state: inout Term, process: any ProcessContext) async throws -> GenServerResult {
                if message[element: 0] == .atom("take"), let socket = Socket(message[element: 1] ?? .undefined) {
                    state = .tuple(.atom("socket"), socket.term)
                    socket.setActive(.once)
                } else if message[element: 0] == .atom("tcp"), let socket = Socket(state[element: 1] ?? .undefined),
                          case .binary(let data)? = message[element: 2] {
                    try await socket.send(Array("\(prefix)".utf8) + data)
                    socket.setActive(.once)
                } else if message[element: 0] == .atom("tcp_closed") {
                    return .stop(.normal)
                }
                return .noreply()
            }
            func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> Term { state }
        }

        @_cdecl("relive_plugin_descriptor")
        public func reliveDescriptor() -> UnsafeMutableRawPointer {
            Plugin.export(application: "tcp_owner", version: "\(vsn)", modules: [.genServer("tcp_owner", Owner())])
        }
        """
    }

    static func build(vsn: String, prefix: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("relive-tcp-plugins-\(getpid())/\(vsn)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/Plugin.swift"
        try ownerSource(vsn: vsn, prefix: prefix).write(toFile: file, atomically: true, encoding: .utf8)
        var builder = try PluginBuilder.locate()
        builder.optimize = false
        return try builder.build(application: "tcp_owner", version: vsn, sources: [file], outputDirectory: dir + "/out")
    }

    @Test func suspendAndCodeChangeOfTheOwnerKeepTheConnection() async throws {
        let v1 = try Self.build(vsn: "1.0.0", prefix: "")
        let v2 = try Self.build(vsn: "2.0.0", prefix: "v2:")
        let node = Node(name: "tcp_upgrade@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let code = CodeServer(node: node)
        try code.load(pluginAt: v1)
        let frames = 400, beforeSuspend = 100, whileSuspended = 200
        let (echoes, version) = try await node.run { p in
            let me = p.pid
            let options = TCPOptions(packet: .length4)
            let listener = try await tcp.listen(port: 0, options: options, process: p)
            let port = listener.port
            // The client: sends frames 0..<frames, pipelined, and collects the echoes.
            let client = p.spawn([]) { c in
                let s = try await tcp.connect(host: "127.0.0.1", port: port, options: options, process: c)
                s.setActive(.always)
                for i in 0..<frames {
                    if i == beforeSuspend { me.send(.atom("halfway")); _ = try await c.receive { $0 == .atom("suspended") ? $0 : nil } }
                    if i == beforeSuspend + whileSuspended { me.send(.atom("sent")) }
                    try await s.send(Array(String(format: "frame %05d", i).utf8))
                }
                var echoes: [Term] = []
                while echoes.count < frames {
                    let m = try await socketMessage(c, s)
                    guard m[element: 0] == .atom("tcp"), let data = m[element: 2] else { break }
                    echoes.append(data)
                }
                s.close()
                me.send(.tuple(.atom("echoes"), .list(echoes)))
            }.pid
            _ = client
            let owner = try #require(try await GenServer.start("tcp_owner", from: p).pid)
            let socket = try await listener.accept(process: p)
            try socket.controllingProcess(owner, process: p)
            owner.send(.tuple(.atom("take"), socket.term))
            _ = try await p.receive(timeout: guardTimeout) { $0 == .atom("halfway") ? $0 : nil }
            try await Sys.suspend(owner, process: p)
            client.send(.atom("suspended"))
            _ = try await p.receive(timeout: guardTimeout) { $0 == .atom("sent") ? $0 : nil }
            try code.load(pluginAt: v2)
            try await Sys.changeCode(owner, module: "tcp_owner", oldVersion: "1.0.0", extra: [], process: p)
            try await Sys.resume(owner, process: p)
            let version = try await GenServer.call(owner, .atom("version"), process: p)
            let echoes = try await p.receive(timeout: .seconds(60)) { m in m[element: 0] == .atom("echoes") ? m[element: 1] : nil }
            return (echoes?.listElements ?? [], version)
        }
        #expect(version == "2.0.0")
        #expect(echoes.count == frames)
        // Every frame came back once, in order; the ones echoed after the
        // change carry the new version's prefix, and none before it does.
        var switched: Int? = nil
        for (i, echo) in echoes.enumerated() {
            guard case .binary(let bytes) = echo, let text = String(bytes: bytes, encoding: .utf8) else {
                Issue.record("echo \(i) is not text"); continue
            }
            let body = String(format: "frame %05d", i)
            if text == "v2:" + body { switched = switched ?? i } else {
                #expect(text == body, "echo \(i)")
                #expect(switched == nil, "a v1 echo after a v2 one at \(i)")
            }
        }
        let first = try #require(switched)
        // Frames sent after the suspension began reached the new code only.
        #expect(first <= beforeSuspend)
    }
}
