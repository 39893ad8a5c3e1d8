/// The kit's view of a listening socket: what ``ListenSocket`` forwards to.
/// The TCP module subclasses it; its initialiser is SPI, so no plugin can
/// make one.
///
/// Every method must not block: the callers are processes on the scheduler.
open class ListenEndpoint: ProcessEndpoint, @unchecked Sendable {
    @_spi(Runtime)
    override public init(node: NodeID, serial: UInt64) {
        super.init(node: node, serial: serial)
    }

    /// Messages sent to a listener as if it were a process are dropped.
    override open func deliver(_ message: Term) {}

    open var port: Int { 0 }
    open func accept(timeout: Duration?, process: any ProcessContext) async throws -> Socket { throw SocketError.closed }
    open func close() {}
}
