extension ProcessContext {
    /// What a runtime without TCP answers. The runtime implements the
    /// requirement itself (forwarding to the node's network service); this
    /// default only keeps the protocol's ABI open.
    public func listen(port: Int, options: TCPOptions) async throws -> ListenSocket {
        throw SocketError.noNetwork
    }

    /// What a runtime without TCP answers (see ``listen(port:options:)``).
    public func connect(host: String, port: Int, options: TCPOptions, timeout: Duration) async throws -> Socket {
        throw SocketError.noNetwork
    }
}

extension SocketError {
    /// The node has no network service (no `TCP(node:)` was made for it).
    public static let noNetwork = SocketError.system(
        reason: "enotsup", message: "no TCP on this node (the host must create TCP(node:) for it)")
}
