/// A process identifier: the only way to address a process.
///
/// A pid holds the process's mailbox endpoint, so sending to a local process
/// needs no table lookup. Pids are unforgeable: only the runtime can make one
/// (its initialisers are SPI), and printing one is fine but nothing parses the
/// text back into a live pid. A pid names its node and the node's incarnation,
/// so a pid from another node can later be addressed without changing the type.
@frozen
public struct Pid: Sendable {
    /// The process behind the pid. It outlives the process itself (messages
    /// to a dead process are dropped, as in Erlang) but not the last pid.
    @usableFromInline
    let endpoint: ProcessEndpoint

    @_spi(Runtime)
    public init(_ endpoint: ProcessEndpoint) { self.endpoint = endpoint }

    /// The node the process runs on.
    @inlinable public var node: NodeID { endpoint.node }
    /// The process's serial number on its node (unique per node incarnation).
    @inlinable public var serial: UInt64 { endpoint.serial }

    /// The runtime's object behind the pid, for the runtime only.
    @_spi(Runtime) @inlinable
    public var process: ProcessEndpoint { endpoint }

    /// Sends `message` to the process. Never blocks and never fails: a message
    /// to a dead process is dropped, as in Erlang.
    @inlinable
    public func send(_ message: Term) { endpoint.deliver(message) }
}

extension Pid: Hashable {
    @inlinable
    public static func == (lhs: Pid, rhs: Pid) -> Bool {
        lhs.endpoint === rhs.endpoint || (lhs.serial == rhs.serial && lhs.node == rhs.node)
    }
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(serial)
        hasher.combine(node.creation)
    }
}

extension Pid: Comparable {
    public static func < (lhs: Pid, rhs: Pid) -> Bool {
        lhs.node != rhs.node ? lhs.node < rhs.node : lhs.serial < rhs.serial
    }
}

extension Pid: CustomStringConvertible {
    /// `<0.SERIAL.CREATION>` for a local pid, Erlang's shape.
    public var description: String { "<0.\(serial).\(node.creation)>" }
}

/// Where messages to one process go: the kit's view of a process.
///
/// The runtime subclasses it (a local process; later, a proxy for a process on
/// another node). Its initialiser is SPI, so no plugin can make one.
open class ProcessEndpoint: @unchecked Sendable {
    /// The node the process runs on.
    public final let node: NodeID
    /// The process's serial number on its node.
    public final let serial: UInt64

    @_spi(Runtime)
    public init(node: NodeID, serial: UInt64) {
        self.node = node
        self.serial = serial
    }

    /// Puts `message` at the end of the process's mailbox. Must not block.
    open func deliver(_ message: Term) {}

    /// Whether the process has not ended. Safe from any thread. An endpoint
    /// that cannot tell (none yet) answers false.
    open var isAlive: Bool { false }
}
