@_spi(Runtime) import ReliveKit
import NIOCore
import Synchronization

/// A listening socket (`gen_tcp:listen`'s result). Any process may
/// ``accept(timeout:process:)`` on it, so several acceptors make a pool;
/// the process that accepts owns the new socket. It is the endpoint of a kit
/// ``ListenSocket`` (``listenSocket``), which is how plugins hold it.
public final class TCPListener: ListenEndpoint, @unchecked Sendable {
    let tcp: TCP
    let options: TCPOptions
    /// The process that listened (its death closes the listener).
    public let owner: Pid
    let state = Mutex(State())

    struct State {
        var channel: Channel?
        var waiters: [(ref: Ref, pid: Pid)] = []
        /// Accepted connections no acceptor has claimed yet (at most `backlog`).
        var ready: [TCPSocket] = []
        var closed = false
    }

    init(tcp: TCP, options: TCPOptions, owner: Pid) {
        self.tcp = tcp
        self.options = options
        self.owner = owner
        super.init(node: tcp.node.id, serial: tcp.nextSerial())
    }

    /// The listener as a kit value (what a process's `listen` returns).
    public var listenSocket: ListenSocket { ListenSocket(self) }

    func bound(_ channel: Channel) { state.withLock { $0.channel = channel } }

    /// The port listened on (the one picked when 0 was asked).
    override public var port: Int { state.withLock { $0.channel?.localAddress?.port } ?? 0 }

    /// Waits for a connection (`gen_tcp:accept`); the caller owns it.
    /// - Throws: ``SocketError/timeout`` or `closed`.
    override public func accept(timeout: Duration? = nil, process: any ProcessContext) async throws -> Socket {
        let ref = process.makeRef()
        let caller = process.pid
        let ready = try state.withLock { s -> TCPSocket? in
            guard !s.closed else { throw SocketError.closed }
            if !s.ready.isEmpty { return s.ready.removeFirst() }
            s.waiters.append((ref, caller))
            return nil
        }
        if let ready { return claim(ready, by: caller) }
        let refTerm = Term.ref(ref)
        let match: (Term) -> Term? = { m in
            m[element: 0] == TCP.acceptTag && m[element: 1] == refTerm ? m[element: 2] : nil
        }
        var got = try await process.receive(timeout: timeout, matching: match)
        if got == nil {
            let cancelled = state.withLock { s in
                guard let i = s.waiters.firstIndex(where: { $0.ref == ref }) else { return false }
                s.waiters.remove(at: i)
                return true
            }
            if cancelled { throw SocketError.timeout }
            got = try await process.receive(timeout: .zero, matching: match)
        }
        // A `tcp_closed` reply (the listener closed) carries no socket.
        guard let term = got, let endpoint = Socket(term)?.endpoint as? TCPSocket else { throw SocketError.closed }
        return claim(endpoint, by: caller, handed: true)
    }

    /// A connection arrived (on its event loop).
    func arrived(_ socket: TCPSocket) {
        let refused = state.withLock { s -> Bool in
            if s.closed { return true }
            if !s.waiters.isEmpty {
                let w = s.waiters.removeFirst()
                socket.state.withLock { $0.owner = w.pid }
                w.pid.send(.tuple([TCP.acceptTag, .ref(w.ref), socket.socket.term]))
                return false
            }
            guard s.ready.count < options.backlog else { return true }
            s.ready.append(socket)
            return false
        }
        if refused { socket.channel.close(promise: nil) }
    }

    private func claim(_ socket: TCPSocket, by pid: Pid, handed: Bool = false) -> Socket {
        if !handed { socket.state.withLock { $0.owner = pid } }
        tcp.owners.watch(pid, socket)
        socket.setActive(options.active)
        return socket.socket
    }

    /// Stops listening; waiting acceptors get `closed`, unclaimed connections close.
    override public func close() {
        let (channel, waiters, ready) = state.withLock { s in
            s.closed = true
            defer { s.waiters = []; s.ready = [] }
            return (s.channel, s.waiters, s.ready)
        }
        for w in waiters { w.pid.send(.tuple([TCP.acceptTag, .ref(w.ref), TCP.closedTag])) }
        for socket in ready { socket.channel.close(promise: nil) }
        channel?.close(promise: nil)
        tcp.owners.forget(self, owner: owner)
    }
}

extension TCPListener {
    /// Closes, and returns once the port is released (a connect after it is refused).
    public func closeAndWait() async {
        close()
        try? await state.withLock { $0.channel }?.closeFuture.get()
    }
}

extension TCPListener: TCPOwners.Owned {
    func ownerEnded(_ pid: Pid) { if pid == owner { close() } }
}
