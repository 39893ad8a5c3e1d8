@_spi(Runtime) import ReliveKit
import NIOCore
import Synchronization

/// One connection: the ``SocketEndpoint`` behind a ``Socket``.
///
/// The event loop (``TCPSocketHandler``) and the owner process meet only in
/// ``state``, behind one short lock; every delivery to the owner is a plain
/// mailbox send made while holding it, so frames reach the owner in the order
/// they were read whichever thread delivers them. Nothing here waits: a
/// process that wants data records that it does and asks the event loop for
/// one read (autoRead is off), which is how a slow owner stops the socket.
final class TCPSocket: SocketEndpoint, @unchecked Sendable {
    let channel: Channel
    let packet: TCPPacket
    let tcp: TCP
    let state: Mutex<TCPSocketState>
    /// Writes and reads asked for by processes, one loop task for a burst.
    let loop: TCPLoopBatch

    init(channel: Channel, packet: TCPPacket, owner: Pid, tcp: TCP) {
        self.channel = channel
        self.loop = TCPLoopBatch(channel: channel)
        self.packet = packet
        self.tcp = tcp
        self.state = Mutex(TCPSocketState(owner: owner))
        super.init(node: tcp.node.id, serial: tcp.nextSerial())
    }

    var socket: Socket { Socket(self) }

    // MARK: the owner's side

    override var owner: Pid { state.withLock { $0.owner } }
    override var bufferedBytes: Int { state.withLock { $0.pendingBytes + $0.framerBytes } }
    override var peerAddress: InetAddress? { channel.remoteAddress.flatMap(Self.address) }
    override var localAddress: InetAddress? { channel.localAddress.flatMap(Self.address) }

    override var activeMode: SocketActive { state.withLock { $0.active } }

    override func setActive(_ mode: SocketActive) {
        let read = state.withLock { s in
            s.setActive(mode)
            return deliverAndDecide(&s)
        }
        if read { requestRead() }
    }

    override func send(_ bytes: [UInt8]) async throws {
        let closed = state.withLock { $0.closedByOwner || $0.sendClosed }
        if closed { throw SocketError.closed }
        let header = try TCPFramer.header(for: bytes.count, packet: packet)
        var buffer = channel.allocator.buffer(capacity: header.count + bytes.count)
        buffer.writeBytes(header)
        buffer.writeBytes(bytes)
        if channel.isWritable {
            loop.write(buffer)
        } else {
            // The send queue is full: wait for this write (the sender's backpressure).
            do { try await channel.writeAndFlush(buffer).get() } catch { throw TCP.socketError(error) }
        }
    }

    override func recv(length: Int, timeout: Duration?, process: any ProcessContext) async throws -> [UInt8] {
        guard length >= 0, length == 0 || packet == .raw else {
            throw SocketError.badArgument("recv length \(length) (only raw packets take a length)")
        }
        let ref = process.makeRef()
        let caller = process.pid
        let (immediate, read) = state.withLock { s -> (Result<[UInt8], SocketError>?, Bool) in
            guard s.owner == caller else { return (.failure(.notOwner), false) }
            guard s.active == .passive else { return (.failure(.active), false) }
            guard s.waiter == nil else { return (.failure(.badArgument("a recv is already waiting")), false) }
            if let bytes = s.take(length) { return (.success(bytes), false) }
            if s.closedByOwner { return (.failure(.closed), false) }
            if let end = s.end { return (.failure(end.error), false) }
            s.waiter = TCPSocketState.Waiter(ref: ref, pid: caller, length: length)
            return (nil, deliverAndDecide(&s))
        }
        if let immediate { return try immediate.get() }
        if read { requestRead() }
        let refTerm = Term.ref(ref)
        let match: (Term) -> Term? = { m in m[element: 0] == TCP.recvTag && m[element: 1] == refTerm ? m : nil }
        var reply = try await process.receive(timeout: timeout, matching: match)
        if reply == nil {
            let cancelled = state.withLock { s in
                guard s.waiter?.ref == ref else { return false }
                s.waiter = nil
                return true
            }
            if cancelled { throw SocketError.timeout }
            // The reply was sent under the lock before the waiter was cleared:
            // it is in the mailbox already.
            reply = try await process.receive(timeout: .zero, matching: match)
        }
        guard let result = reply?[element: 2] else { throw SocketError.timeout }
        if case .binary(let bytes) = result[element: 1], result[element: 0] == .ok { return bytes }
        throw TCP.error(named: result[element: 1]?.atomValue?.name ?? "closed")
    }

    override func controllingProcess(_ pid: Pid, caller: Pid) throws {
        try state.withLock { s in
            guard s.owner == caller else { throw SocketError.notOwner }
            guard !s.closedByOwner else { throw SocketError.closed }
            s.owner = pid
        }
        tcp.owners.watch(pid, self, previous: caller)
    }

    override func close() {
        let first = state.withLock { s in
            defer { s.closedByOwner = true }
            return !s.closedByOwner
        }
        if first {
            channel.close(promise: nil)
            tcp.owners.forget(self, owner: owner)
        }
    }

    override func shutdown(_ direction: SocketShutdown) async throws {
        let mode: CloseMode = switch direction {
        case .read: .input
        case .write: .output
        case .readWrite: .all
        }
        if direction != .read { state.withLock { $0.sendClosed = true } }
        do { try await channel.close(mode: mode).get() } catch { throw TCP.socketError(error) }
    }

    /// Called by the owner watch when process `pid` ended: closes the socket
    /// if `pid` still owns it.
    func ownerEnded(_ pid: Pid) {
        let owned = state.withLock { s in
            guard s.owner == pid, !s.closedByOwner else { return false }
            s.closedByOwner = true
            return true
        }
        if owned { channel.close(promise: nil) }
    }

    // MARK: the event loop's side (called by TCPSocketHandler)

    /// Frames decoded from one read.
    func received(_ frames: [[UInt8]], framerBytes: Int) {
        state.withLock { s in
            for frame in frames { s.pending.append(frame); s.pendingBytes += frame.count }
            s.framerBytes = framerBytes
            _ = deliverAndDecide(&s)
        }
    }

    /// The connection ended (`error` nil for an orderly close by the peer).
    func ended(_ error: SocketError?) {
        state.withLock { s in
            if s.end == nil { s.end = error.map(TCPSocketState.End.error) ?? .closed }
            s.framerBytes = 0
            _ = deliverAndDecide(&s)
        }
        tcp.owners.forget(self, owner: owner)
    }

    /// After a read completed: whether to read again now.
    func readCompleted() -> Bool {
        state.withLock { s in
            s.readRequested = false
            return deliverAndDecide(&s)
        }
    }

    // MARK: helpers

    /// Delivers what the state allows and says whether a read must be asked for.
    private func deliverAndDecide(_ s: inout TCPSocketState) -> Bool {
        let me = Term.pid(Pid(self))
        for delivery in s.drain() {
            switch delivery {
            case .data(let bytes): s.owner.send(.tuple([TCP.tcpTag, me, .binary(bytes)]))
            case .passive: s.owner.send(.tuple([TCP.passiveTag, me]))
            case .closed: s.owner.send(.tuple([TCP.closedTag, me]))
            case .error(let reason): s.owner.send(.tuple([TCP.errorTag, me, .atom(Atom(reason))]))
            case .reply(let waiter, let result):
                let payload: Term = switch result {
                case .success(let bytes): .tuple([.ok, .binary(bytes)])
                case .failure(let error): .tuple([.atom(Atom.error), .atom(Atom(error.reason))])
                }
                waiter.pid.send(.tuple([TCP.recvTag, .ref(waiter.ref), payload]))
            }
        }
        guard s.wantsRead, !s.readRequested else { return false }
        s.readRequested = true
        return true
    }

    private func requestRead() { loop.read() }

    static func address(_ address: SocketAddress) -> InetAddress? {
        guard let host = address.ipAddress, let port = address.port else { return nil }
        return InetAddress(host: host, port: port)
    }
}
