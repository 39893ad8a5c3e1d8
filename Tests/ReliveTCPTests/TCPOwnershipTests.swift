import ReliveKit
import ReliveRuntime
import ReliveTCP
import Testing

@Suite struct TCPOwnershipTests {
    @Test func theOwnersDeathClosesItsSocket() async throws {
        let node = Node(name: "tcp_death@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let error = try await node.run { p -> SocketError? in
            let me = p.pid
            let port = try await serve(tcp, options: TCPOptions(packet: .length4), from: p) { socket, conn in
                me.send(.tuple(.atom("accepted"), .pid(conn.pid)))
                guard try await conn.receive() == .atom("die") else { return }
                throw Missing(what: "nothing: this owner crashes on purpose")
            }
            let client = try await tcp.connect(host: "127.0.0.1", port: port, options: TCPOptions(packet: .length4), process: p)
            let owner = try #require(try await next(p, "accepted")[element: 1]?.pidValue)
            owner.send(.atom("die"))
            do { _ = try await client.recv(timeout: guardTimeout, process: p); return nil } catch let e as SocketError { return e }
        }
        #expect(error == .closed)
    }

    @Test func controllingProcessHandsTheSocketOver() async throws {
        let node = Node(name: "tcp_handoff@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let (stranger, received, echoed) = try await node.run { p in
            let me = p.pid
            let port = try await serve(tcp, options: TCPOptions(packet: .length(headerBytes: 2, maxSize: 1000)), from: p) { socket, first in
                // The first owner hands the socket to a second process, then ends.
                let second = first.spawn([]) { second in
                    guard try await second.receive() == .atom("yours") else { return }
                    socket.setActive(.once)
                    let m = try await socketMessage(second, socket)
                    me.send(.tuple(.atom("second_got"), m[element: 2] ?? .undefined))
                    try await socket.send(Array("from second".utf8))
                    _ = try await second.receive()
                }.pid
                try socket.controllingProcess(second, process: first)
                second.send(.atom("yours"))
            }
            let client = try await tcp.connect(host: "127.0.0.1", port: port, options: TCPOptions(packet: .length(headerBytes: 2, maxSize: 1000)), process: p)
            // Only the owner may hand a socket over.
            let notMine = p.spawn([]) { other in
                do { try client.controllingProcess(other.pid, process: other) } catch let e as SocketError {
                    me.send(.tuple(.atom("stranger"), .atom(Atom(e.reason))))
                }
            }
            _ = notMine
            let strangerReason = try await p.receive(timeout: guardTimeout) { m in m[element: 0] == .atom("stranger") ? m[element: 1] : nil }
            try await client.send(Array("hi".utf8))
            let received = try await p.receive(timeout: guardTimeout) { m in m[element: 0] == .atom("second_got") ? m[element: 1] : nil }
            // The first owner has ended; the socket lives on with the second.
            let echoed = try await client.recv(timeout: guardTimeout, process: p)
            client.close()
            return (strangerReason, received, echoed)
        }
        #expect(stranger == .atom("not_owner"))
        #expect(received == .binary(Array("hi".utf8)))
        #expect(echoed == Array("from second".utf8))
    }

    @Test func aPeerResetIsReported() async throws {
        let node = Node(name: "tcp_reset@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let messages = try await node.run { p in
            let me = p.pid
            let port = try await serve(tcp, options: TCPOptions(active: .always), from: p) { socket, conn in
                while true {
                    let m = try await socketMessage(conn, socket)
                    me.send(.tuple(m[element: 0] ?? .undefined, m[element: 2] ?? .undefined))
                    if m[element: 0] == .atom("tcp_closed") { return }
                }
            }
            var options = TCPOptions()
            options.linger = 0
            let client = try await tcp.connect(host: "127.0.0.1", port: port, options: options, process: p)
            try await client.send(Array("x".utf8))
            _ = try await p.receive(timeout: guardTimeout) { m in m[element: 0] == .atom("tcp") ? m : nil }
            client.close()    // SO_LINGER 0: RST
            var got: [Term] = []
            while true {
                let m = try await next(p, "reset report")
                got.append(m)
                if m[element: 0] == .atom("tcp_closed") { break }
            }
            return got
        }
        #expect(messages == [.tuple(.atom("tcp_error"), .atom("econnreset")), .tuple(.atom("tcp_closed"), .undefined)])
    }

    @Test func aSocketTravelsInATermAndIsNotAProcess() async throws {
        let node = Node(name: "tcp_term@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let (roundTrip, distinct) = try await node.run { p in
            let port = try await serve(tcp, options: TCPOptions(), from: p, handler: echo)
            let s = try await tcp.connect(host: "127.0.0.1", port: port, process: p)
            defer { s.close() }
            p.send(.tuple(.atom("carry"), s.term), to: p.pid)
            let back = try await next(p, "carried socket")
            let carried = Socket(back[element: 1] ?? .undefined)
            return (carried == s, s.term != .pid(p.pid) && Socket(.pid(p.pid)) == nil)
        }
        #expect(roundTrip)
        #expect(distinct)
    }
}
