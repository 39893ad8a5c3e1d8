@_spi(Runtime) import ReliveKit

/// What a process's `listen`/`connect` (``ProcessContext``) forward to.
extension TCP: NetworkService {
    public func listen(port: Int, options: TCPOptions, owner: any ProcessContext) async throws -> ListenSocket {
        try await listen(port: port, options: options, process: owner).listenSocket
    }

    public func connect(host: String, port: Int, options: TCPOptions, timeout: Duration,
                        owner: any ProcessContext) async throws -> Socket {
        try await connect(host: host, port: port, options: options, timeout: timeout, process: owner)
    }
}
