import ReliveKit
import ReliveRuntime
import ReliveTCP
import Testing

@Suite struct TCPEchoTests {
    @Test func echoesFramesAndReportsAddresses() async throws {
        let node = Node(name: "tcp_echo@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let (replies, peer, local) = try await node.run { p in
            let port = try await serve(tcp, options: TCPOptions(packet: .length4), from: p, handler: echo)
            let socket = try await tcp.connect(host: "127.0.0.1", port: port, options: TCPOptions(packet: .length4, nodelay: true),
                                               process: p)
            var replies: [[UInt8]] = []
            for i in 0..<50 {
                let frame = [UInt8](repeating: UInt8(i), count: i * 37)
                try await socket.send(frame)
                replies.append(try await socket.recv(timeout: guardTimeout, process: p))
            }
            defer { socket.close() }
            return (replies, socket.peerAddress, socket.localAddress)
        }
        #expect(replies == (0..<50).map { [UInt8](repeating: UInt8($0), count: $0 * 37) })
        #expect(peer?.host == "127.0.0.1")
        #expect(local?.host == "127.0.0.1")
        #expect(peer?.port != local?.port)
    }

    @Test func manyConcurrentClients() async throws {
        let node = Node(name: "tcp_many@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let results = try await node.run { p in
            let port = try await serve(tcp, options: TCPOptions(packet: .length4), from: p, handler: echo)
            let me = p.pid
            for c in 0..<40 {
                _ = p.spawn([]) { client in
                    var ok = 0
                    let socket = try await tcp.connect(host: "127.0.0.1", port: port, options: TCPOptions(packet: .length4),
                                                       process: client)
                    for i in 0..<25 {
                        let frame = Array("client \(c) frame \(i)".utf8)
                        try await socket.send(frame)
                        if try await socket.recv(timeout: guardTimeout, process: client) == frame { ok += 1 }
                    }
                    socket.close()
                    me.send(.tuple(.atom("done"), .int(ok)))
                }
            }
            var total = 0
            for _ in 0..<40 {
                let m = try await next(p, "a client's result")
                total += m[element: 1]?.intValue ?? 0
            }
            return total
        }
        #expect(results == 40 * 25)
    }

    /// A host name is resolved (here from /etc/hosts: no network needed);
    /// a malformed one is refused before any lookup.
    @Test func connectByNameResolvesIt() async throws {
        let node = Node(name: "tcp_name@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let (echoed, malformed) = try await node.run { p -> ([UInt8], SocketError?) in
            let options = TCPOptions(packet: .length(headerBytes: 2, maxSize: 100))
            let port = try await serve(tcp, options: options, from: p, handler: echo)
            let client = try await tcp.connect(host: "localhost", port: port, options: options, process: p)
            defer { client.close() }
            try await client.send(Array("by name".utf8))
            let reply = try await client.recv(timeout: guardTimeout, process: p)
            do {
                _ = try await tcp.connect(host: "bad host\u{0}", port: port, process: p)
                return (reply, nil)
            } catch let e as SocketError { return (reply, e) }
        }
        #expect(echoed == Array("by name".utf8))
        #expect(malformed?.reason == "badarg")
    }

    @Test func connectToAClosedPortIsRefused() async throws {
        let node = Node(name: "tcp_refused@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let error = try await node.run { p -> SocketError? in
            let listener = try await tcp.listen(port: 0, process: p)
            let port = listener.port
            await listener.closeAndWait()
            do {
                _ = try await tcp.connect(host: "127.0.0.1", port: port, timeout: .seconds(5), process: p)
                return nil
            } catch let e as SocketError { return e }
        }
        #expect(error?.reason == "econnrefused")
    }

    @Test func passiveRecvTimesOutAndLosesNothing() async throws {
        let node = Node(name: "tcp_recv@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let (timedOut, data) = try await node.run { p in
            let me = p.pid
            let port = try await serve(tcp, options: TCPOptions(packet: .line(maxLength: 100)), from: p) { socket, conn in
                me.send(.tuple(.atom("server"), socket.term))
                _ = try await conn.receive()      // keep the connection until the test ends
            }
            let socket = try await tcp.connect(host: "127.0.0.1", port: port, options: TCPOptions(packet: .line(maxLength: 100)),
                                               process: p)
            var timedOut = false
            do { _ = try await socket.recv(timeout: .milliseconds(20), process: p) } catch SocketError.timeout { timedOut = true }
            let server = try #require(Socket(try await next(p, "server socket")[element: 1] ?? .undefined))
            try await server.send(Array("hello\n".utf8))
            let data = try await socket.recv(timeout: guardTimeout, process: p)
            socket.close()
            return (timedOut, data)
        }
        #expect(timedOut)
        #expect(data == Array("hello\n".utf8))
    }
}
