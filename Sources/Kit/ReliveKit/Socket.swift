/// A TCP socket owned by one process (gen_tcp's socket): a kit value that
/// travels inside a ``Term`` between processes of the node and cannot be forged.
///
/// Why no new `Term` case: a socket is carried as `.pid(Pid)` whose endpoint is
/// a ``SocketEndpoint``, just as an Erlang port is a process-like identity next
/// to pids. `Pid`'s and `SocketEndpoint`'s initialisers are SPI, so a plugin can
/// only pass on a socket it was given; nothing parses text back into one. This
/// keeps `Term`'s frozen layout (no ``KitABI/version`` bump, no exhaustive
/// switch to update). Socket serials have the top bit set, which process
/// serials never reach, so a socket term never equals a process's pid.
///
/// The operations forward to the endpoint, which the TCP module implements on
/// SwiftNIO; a plugin uses them without linking SwiftNIO.
///
/// Messages the owner receives (`S` is ``term``):
/// `{tcp, S, Data}` (Data a binary), `{tcp_closed, S}`, `{tcp_error, S, Reason}`,
/// `{tcp_passive, S}` when an `active N` count runs out.
public struct Socket: Sendable, Hashable, CustomStringConvertible {
    /// The implementation behind the socket.
    public let endpoint: SocketEndpoint

    @_spi(Runtime)
    public init(_ endpoint: SocketEndpoint) { self.endpoint = endpoint }

    /// The socket carried by `term`, or nil when `term` is not a socket.
    public init?(_ term: Term) {
        guard case .pid(let pid) = term, let endpoint = pid.endpoint as? SocketEndpoint else { return nil }
        self.endpoint = endpoint
    }

    /// The socket as a term (what `{tcp, S, Data}` carries as `S`).
    public var term: Term { .pid(Pid(endpoint)) }

    /// Whether `term` is this socket (for matching `{tcp, S, _}` messages).
    public func matches(_ term: Term) -> Bool {
        guard case .pid(let pid) = term else { return false }
        return pid.endpoint === endpoint
    }

    /// Sends `bytes` (framed as the socket's packet option says).
    /// Returns once the bytes are queued; waits while the send queue is full.
    /// - Throws: ``SocketError`` (`closed`, `emsgsize` for a frame the header
    ///   cannot describe, or the OS error of a failed write).
    public func send(_ bytes: [UInt8]) async throws { try await endpoint.send(bytes) }

    /// Sets the active mode (`inet:setopts(S, [{active, Mode}])`).
    public func setActive(_ mode: SocketActive) { endpoint.setActive(mode) }

    /// Passive receive by the owner (`gen_tcp:recv(S, Length, Timeout)`).
    /// - Parameters:
    ///   - length: 0 for the next frame (or whatever bytes are there when
    ///     raw); with raw packets, N > 0 for exactly N bytes.
    ///   - timeout: nil waits for ever.
    /// - Throws: ``SocketError`` `timeout`, `closed`, `notOwner`, `active`
    ///   (the socket is in an active mode) or the connection's error.
    public func recv(_ length: Int = 0, timeout: Duration?, process: any ProcessContext) async throws -> [UInt8] {
        try await endpoint.recv(length: length, timeout: timeout, process: process)
    }

    /// Hands the socket to `pid` (`gen_tcp:controlling_process`); only the
    /// owner may. As in gen_tcp, the socket's messages already in the
    /// caller's mailbox (`{tcp, S, _}`, `{tcp_closed, S}`, `{tcp_error, S, _}`,
    /// `{tcp_passive, S}`) move to `pid`, in order and before any later one:
    /// the socket is held passive while they move, then its mode is restored.
    /// - Throws: ``SocketError/notOwner`` or `closed`; nothing moved then.
    public func controllingProcess(_ pid: Pid, process: any ProcessContext) throws {
        let mode = endpoint.activeMode
        if mode != .passive { endpoint.setActive(.passive) }
        do { try endpoint.controllingProcess(pid, caller: process.pid) } catch {
            if mode != .passive { endpoint.setActive(mode) }
            throw error
        }
        let me = term
        let moved = process.takeMessages { message in
            guard case .tuple(let elements) = message, elements.count >= 2, elements[1] == me,
                  case .atom(let tag) = elements[0] else { return false }
            return Self.messageTags.contains(tag)
        }
        for message in moved { pid.send(message) }
        if mode != .passive { endpoint.setActive(mode) }
    }

    /// The tags of the messages a socket sends its owner.
    static let messageTags: Set<Atom> = ["tcp", "tcp_closed", "tcp_error", "tcp_passive"]

    /// Closes the socket (idempotent). The owner receives no `tcp_closed`.
    public func close() { endpoint.close() }

    /// Shuts one direction down (`gen_tcp:shutdown`).
    public func shutdown(_ direction: SocketShutdown) async throws { try await endpoint.shutdown(direction) }

    /// The owner now.
    public var owner: Pid { endpoint.owner }
    /// The peer's address, nil once unknown.
    public var peerAddress: InetAddress? { endpoint.peerAddress }
    /// The local address, nil once unknown.
    public var localAddress: InetAddress? { endpoint.localAddress }
    /// Bytes read from the socket and not yet delivered to the owner (framer
    /// buffer plus decoded frames waiting for `active` or `recv`).
    public var bufferedBytes: Int { endpoint.bufferedBytes }

    public static func == (lhs: Socket, rhs: Socket) -> Bool { lhs.endpoint === rhs.endpoint }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(endpoint)) }
    /// `#Port<SERIAL>`, Erlang's shape for a port; it cannot be parsed back.
    public var description: String { "#Port<\(endpoint.serial & ~(UInt64(1) << 63))>" }
}
