@_spi(Runtime) import ReliveKit

extension Node {
    /// The node's TCP, which a process's `listen`/`connect` forward to; nil
    /// until one is installed (the TCP module installs itself when it is
    /// created for the node). Kept until ``shutdown()``.
    public var networkService: (any NetworkService)? { network.withLock { $0 } }

    /// Makes `service` the node's TCP (replacing any earlier one).
    public func installNetworkService(_ service: any NetworkService) {
        network.withLock { $0 = service }
    }
}

extension LocalProcess {
    public func listen(port: Int, options: TCPOptions) async throws -> ListenSocket {
        guard let service = runtime.networkService else { throw SocketError.noNetwork }
        return try await service.listen(port: port, options: options, owner: self)
    }

    public func connect(host: String, port: Int, options: TCPOptions, timeout: Duration) async throws -> Socket {
        guard let service = runtime.networkService else { throw SocketError.noNetwork }
        return try await service.connect(host: host, port: port, options: options, timeout: timeout, owner: self)
    }
}
