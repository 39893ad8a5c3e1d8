import ReliveKit
import ReliveRuntime
import ReliveTCP
import Testing

@Suite struct TCPFramingTests {
    /// Sends `wire` raw, in pieces of `chunk` bytes, to a server socket with
    /// `packet` in active mode; returns what its owner received, in order.
    func frames(_ packet: TCPPacket, wire: [UInt8], chunk: Int) async throws -> [Term] {
        let node = Node(name: "tcp_framing@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        return try await node.run { p in
            let me = p.pid
            let port = try await serve(tcp, options: TCPOptions(packet: packet), from: p) { socket, conn in
                socket.setActive(.always)
                while true {
                    let m = try await socketMessage(conn, socket)
                    me.send(.tuple(m[element: 0] ?? .undefined, m[element: 2] ?? .undefined))
                    if m[element: 0] == .atom("tcp_closed") { return }
                }
            }
            let client = try await tcp.connect(host: "127.0.0.1", port: port, options: TCPOptions(nodelay: true), process: p)
            var i = 0
            while i < wire.count {
                try await client.send(Array(wire[i..<min(i + chunk, wire.count)]))
                i += chunk
            }
            try? await client.shutdown(.write)
            var got: [Term] = []
            while true {
                let m = try await next(p, "a framed message")
                got.append(m)
                if m[element: 0] == .atom("tcp_closed") { break }
            }
            client.close()
            return got
        }
    }

    static let closed: Term = .tuple(.atom("tcp_closed"), .undefined)
    static func data(_ s: String) -> Term { .tuple(.atom("tcp"), .binary(Array(s.utf8))) }
    static func header(_ n: Int, bytes h: Int) -> [UInt8] { (0..<h).map { UInt8(truncatingIfNeeded: n >> (8 * (h - 1 - $0))) } }

    @Test(arguments: [1, 2, 4])
    func lengthPrefixedFramesSplitAnywhere(header h: Int) async throws {
        let payloads = ["a", "", "hello world", String(repeating: "z", count: 200)]
        let wire = payloads.flatMap { Self.header($0.utf8.count, bytes: h) + Array($0.utf8) }
        for chunk in [1, 3, wire.count] {
            let got = try await frames(.length(headerBytes: h, maxSize: 1000), wire: wire, chunk: chunk)
            #expect(got == payloads.map(Self.data) + [Self.closed], "header \(h), chunks of \(chunk)")
        }
    }

    @Test(arguments: [1, 2, 4])
    func aFrameOverTheMaximumIsAnErrorAndClosesThatConnection(header h: Int) async throws {
        let wire = Self.header(3, bytes: h) + Array("abc".utf8) + Self.header(11, bytes: h) + Array("0123456789A".utf8)
        let got = try await frames(.length(headerBytes: h, maxSize: 10), wire: wire, chunk: wire.count)
        #expect(got == [Self.data("abc"), .tuple(.atom("tcp_error"), .atom("emsgsize")), Self.closed])
    }

    @Test func linesUpToTheMaximum() async throws {
        let wire = Array("one\ntwo\n\nthree!\n".utf8)
        let got = try await frames(.line(maxLength: 6), wire: wire, chunk: 2)
        #expect(got == ["one\n", "two\n", "\n", "three!\n"].map(Self.data) + [Self.closed])
        let long = try await frames(.line(maxLength: 6), wire: Array("ok\ntoo long line\n".utf8), chunk: 1)
        #expect(long == [Self.data("ok\n"), .tuple(.atom("tcp_error"), .atom("emsgsize")), Self.closed])
    }

    @Test func rawDeliversEveryByteInOrder() async throws {
        let wire = (0..<5000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let got = try await frames(.raw, wire: wire, chunk: 777)
        var bytes: [UInt8] = []
        for m in got.dropLast() { if case .binary(let b)? = m[element: 1] { bytes += b } }
        #expect(bytes == wire)
        #expect(got.last == Self.closed)
    }

    @Test func anOverLimitFrameClosesOnlyItsConnection() async throws {
        let node = Node(name: "tcp_limit@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let (bad, good) = try await node.run { p in
            let options = TCPOptions(packet: .length(headerBytes: 2, maxSize: 8))
            let port = try await serve(tcp, options: options, from: p, handler: echo)
            let raw = try await tcp.connect(host: "127.0.0.1", port: port, process: p)
            let framed = try await tcp.connect(host: "127.0.0.1", port: port, options: options, process: p)
            try await framed.send(Array("12345678".utf8))
            _ = try await framed.recv(timeout: guardTimeout, process: p)
            try await raw.send([0, 9] + Array("123456789".utf8))
            raw.setActive(.always)
            let bad = try await socketMessage(p, raw)[element: 0]
            try await framed.send(Array("again".utf8))
            let good = try await framed.recv(timeout: guardTimeout, process: p)
            return (bad, good)
        }
        #expect(bad == .atom("tcp_closed") || bad == .atom("tcp_error"))
        #expect(good == Array("again".utf8))
    }

    @Test func sendRefusesAFrameTheHeaderCannotDescribe() async throws {
        let node = Node(name: "tcp_sendlimit@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let error = try await node.run { p -> SocketError? in
            let port = try await serve(tcp, options: TCPOptions(), from: p, handler: echo)
            let s = try await tcp.connect(host: "127.0.0.1", port: port,
                                          options: TCPOptions(packet: .length(headerBytes: 1, maxSize: 1000)), process: p)
            defer { s.close() }
            do { try await s.send([UInt8](repeating: 1, count: 256)); return nil } catch let e as SocketError { return e }
        }
        #expect(error == .emsgsize)
    }
}
