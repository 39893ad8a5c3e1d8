/// The kit's view of a socket: what ``Socket`` forwards to. The TCP module
/// subclasses it; its initialiser is SPI, so no plugin can make one.
///
/// Every method must not block: the callers are processes on the scheduler.
open class SocketEndpoint: ProcessEndpoint, @unchecked Sendable {
    @_spi(Runtime)
    override public init(node: NodeID, serial: UInt64) {
        super.init(node: node, serial: serial)
    }

    /// Messages sent to a socket as if it were a process are dropped.
    override open func deliver(_ message: Term) {}

    open func send(_ bytes: [UInt8]) async throws { throw SocketError.closed }
    open func setActive(_ mode: SocketActive) {}
    /// The active mode now (an `active N` count as what is left of it).
    open var activeMode: SocketActive { .passive }
    open func recv(length: Int, timeout: Duration?, process: any ProcessContext) async throws -> [UInt8] {
        throw SocketError.closed
    }
    open func controllingProcess(_ pid: Pid, caller: Pid) throws { throw SocketError.closed }
    open func close() {}
    open func shutdown(_ direction: SocketShutdown) async throws { throw SocketError.closed }
    open var owner: Pid { Pid(self) }
    open var peerAddress: InetAddress? { nil }
    open var localAddress: InetAddress? { nil }
    open var bufferedBytes: Int { 0 }
}
