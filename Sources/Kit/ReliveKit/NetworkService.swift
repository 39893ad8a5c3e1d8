/// TCP for the processes of a node, as the runtime reaches it: the node holds
/// one (installed by the TCP module when it is created for the node), and a
/// process's ``ProcessContext/listen(port:options:)`` and
/// ``ProcessContext/connect(host:port:options:timeout:)`` forward to it. This
/// keeps the runtime free of the TCP module (the arrows point one way).
public protocol NetworkService: AnyObject, Sendable {
    /// Listens on `options.ip`:`port` for `owner`, which owns the listener
    /// (its end closes it). Port 0 picks a free port.
    /// - Throws: ``SocketError`` (`eaddrinuse`, `badarg` for bad options, …).
    func listen(port: Int, options: TCPOptions, owner: any ProcessContext) async throws -> ListenSocket

    /// Connects to `host`:`port` (an IP address) within `timeout`; `owner`
    /// owns the socket.
    /// - Throws: ``SocketError`` (`econnrefused`, `timeout`, `badarg`, …).
    func connect(host: String, port: Int, options: TCPOptions, timeout: Duration,
                 owner: any ProcessContext) async throws -> Socket
}
