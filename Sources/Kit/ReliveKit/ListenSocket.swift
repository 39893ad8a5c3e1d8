/// A listening TCP socket (`gen_tcp:listen`'s result), owned by the process
/// that listened: it closes when that process ends. Like ``Socket``, a kit
/// value that travels inside a ``Term`` (as `.pid` whose endpoint is a
/// ``ListenEndpoint``) and cannot be forged, so a listener can hand it to
/// acceptor processes.
///
/// Any process may ``accept(timeout:process:)`` on it, so several acceptors
/// make a pool; the process that accepts owns the new socket.
public struct ListenSocket: Sendable, Hashable, CustomStringConvertible {
    /// The implementation behind the listener.
    public let endpoint: ListenEndpoint

    @_spi(Runtime)
    public init(_ endpoint: ListenEndpoint) { self.endpoint = endpoint }

    /// The listening socket carried by `term`, or nil when `term` is not one.
    public init?(_ term: Term) {
        guard case .pid(let pid) = term, let endpoint = pid.endpoint as? ListenEndpoint else { return nil }
        self.endpoint = endpoint
    }

    /// The listener as a term (to pass it to another process).
    public var term: Term { .pid(Pid(endpoint)) }

    /// The port listened on (the one the OS picked when 0 was asked).
    public var port: Int { endpoint.port }

    /// Waits for a connection (`gen_tcp:accept`); the caller owns it, and it
    /// starts in the listener's `active` mode.
    /// - Parameter timeout: nil waits for ever.
    /// - Throws: ``SocketError`` `timeout`, or `closed` when the listener closed.
    public func accept(timeout: Duration? = nil, process: any ProcessContext) async throws -> Socket {
        try await endpoint.accept(timeout: timeout, process: process)
    }

    /// Stops listening (idempotent); waiting acceptors get `closed`.
    public func close() { endpoint.close() }

    public static func == (lhs: ListenSocket, rhs: ListenSocket) -> Bool { lhs.endpoint === rhs.endpoint }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(endpoint)) }
    /// `#Port<SERIAL>`, as for a socket; it cannot be parsed back.
    public var description: String { "#Port<\(endpoint.serial & ~(UInt64(1) << 63))>" }
}
