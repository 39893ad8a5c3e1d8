import ReliveKit
@testable import ReliveRuntime
import ReliveTCP
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A loopback client on a plain non-blocking POSIX socket: it never waits,
/// so it can tell when the server stopped reading (its writes fail with EAGAIN).
struct RawClient: ~Copyable {
    let fd: CInt
    init(port: Int) throws {
        fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        var small: CInt = 32 * 1024
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<CInt>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw Missing(what: "connect: errno \(errno)") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }
    /// Writes `bytes` from `offset` until done or EAGAIN; returns bytes written.
    func write(_ bytes: [UInt8], from offset: Int) -> Int {
        var done = 0
        while offset + done < bytes.count {
            let n = bytes[(offset + done)...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            done += n
        }
        return done
    }
    func shutdownWrite() { _ = Glibc.shutdown(fd, CInt(SHUT_WR)) }
    deinit { Glibc.close(fd) }
}

@Suite struct TCPFlowControlTests {
    /// A slow owner (active once, not asking again) stops the socket reading:
    /// while the client is stuck on a full pipe, what the server holds is
    /// bounded; once the owner catches up every byte arrives, in order.
    @Test func activeOnceBoundsWhatASlowConsumerBuffers() async throws {
        let node = Node(name: "tcp_flow@test")
        defer { node.shutdown() }
        let tcp = TCP(node: node)
        let total = 8 << 20
        let pattern = (0..<total).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let (written, buffered, mailbox, received) = try await node.run { p in
            let me = p.pid
            var options = TCPOptions()
            options.receiveBuffer = 32 * 1024
            let port = try await serve(tcp, options: options, from: p) { socket, conn in
                me.send(.tuple(.atom("server"), socket.term))
                var got: [UInt8] = []
                socket.setActive(.once)
                while true {
                    let m = try await socketMessage(conn, socket)
                    guard m[element: 0] == .atom("tcp"), case .binary(let b)? = m[element: 2] else { break }
                    got += b
                    if got.count == b.count {
                        // The first delivery: now stall until the test says go.
                        me.send(.atom("stalled"))
                        guard try await conn.receive() == .atom("go") else { return }
                    }
                    socket.setActive(.once)
                }
                me.send(.tuple(.atom("received"), .binary(got)))
            }
            let client = try RawClient(port: port)
            let server = try #require(Socket(try await p.receive(timeout: guardTimeout) { m in
                m[element: 0] == .atom("server") ? m[element: 1] : nil } ?? .undefined))
            var written = client.write(pattern, from: 0)
            _ = try await p.receive(timeout: guardTimeout) { m in m == .atom("stalled") ? m : nil }
            // Fill the pipe: once writes fail with EAGAIN and the owner is
            // stalled, nothing more can be read unless the socket keeps reading.
            var stuck = 0
            while written < total && stuck < 5_000 {
                let n = client.write(pattern, from: written)
                written += n
                stuck = n == 0 ? stuck + 1 : 0
                await p.yield()
            }
            let buffered = server.bufferedBytes
            let stalledOwner = server.owner
            // The owner is parked in its receive for `go`, so reading its private half here is safe.
            let mailbox = node.process(stalledOwner)?.messageQueueLength ?? -1
            stalledOwner.send(.atom("go"))
            while written < total {
                let n = client.write(pattern, from: written)
                written += n
                if n == 0 { await p.yield() }
            }
            client.shutdownWrite()
            let received = try await p.receive(timeout: .seconds(60)) { m -> [UInt8]? in
                guard m[element: 0] == .atom("received"), case .binary(let b)? = m[element: 1] else { return nil }
                return b
            }
            return (written, buffered, mailbox, received)
        }
        #expect(written == total)
        // One read's worth at most (NIO reads up to 4 × 64 KiB per read call),
        // against 8 MiB offered: the socket stopped reading.
        #expect(buffered <= 512 * 1024, "server buffered \(buffered) bytes")
        #expect(mailbox <= 1)
        #expect(received == pattern)
    }
}
