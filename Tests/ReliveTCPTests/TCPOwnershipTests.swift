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

    /// gen_tcp's controlling_process moves the socket's messages already in
    /// the old owner's mailbox to the new owner, in order, ahead of later ones.
    @Test func controllingProcessMovesDeliveredMessagesInOrder() async throws {
        let node = Node(name: "tcp_move@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let options = TCPOptions(packet: .length(headerBytes: 2, maxSize: 1000))
        let (frames, leftWithFirst) = try await node.run { p in
            let me = p.pid
            let port = try await serve(tcp, options: options, from: p) { socket, first in
                // Three frames arrive as messages; `tcp_passive` says all three are in the mailbox.
                socket.setActive(.count(3))
                guard try await first.receive(timeout: guardTimeout, matching: { m in
                    m[element: 0] == .atom("tcp_passive") && m[element: 1].map(socket.matches) == true ? true : nil
                }) != nil else { throw Missing(what: "tcp_passive") }
                socket.setActive(.always)
                let second = first.spawn([]) { second in
                    var got: [Term] = []
                    while got.count < 4 {
                        let m = try await socketMessage(second, socket)
                        got.append(m[element: 2] ?? .undefined)
                    }
                    me.send(.tuple(.atom("second_got"), .list(got)))
                    _ = try await second.receive()
                }.pid
                try socket.controllingProcess(second, process: first)
                let left = first.takeMessages { m in m[element: 1].map(socket.matches) == true }
                me.send(.tuple(.atom("first_kept"), .int(left.count), .pid(first.pid)))
                me.send(.tuple(.atom("handed"), .pid(second)))
                _ = try await first.receive()
            }
            let client = try await tcp.connect(host: "127.0.0.1", port: port, options: options, process: p)
            for text in ["a", "b", "c"] { try await client.send(Array(text.utf8)) }
            _ = try await p.receive(timeout: guardTimeout) { m in m[element: 0] == .atom("handed") ? true : nil }
            try await client.send(Array("d".utf8))
            let kept = try await p.receive(timeout: guardTimeout) { m in m[element: 0] == .atom("first_kept") ? m[element: 1] : nil }
            let got = try await p.receive(timeout: guardTimeout) { m in m[element: 0] == .atom("second_got") ? m[element: 1] : nil }
            client.close()
            return (got, kept)
        }
        #expect(frames == .list(["a", "b", "c", "d"].map { .binary(Array($0.utf8)) }))
        #expect(leftWithFirst == .int(0))
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
