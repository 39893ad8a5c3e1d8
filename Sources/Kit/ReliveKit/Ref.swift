/// A unique reference (Erlang's `make_ref()`): unique per node incarnation.
///
/// References are made by the runtime only (SPI); a plugin gets one from the
/// process API, so a reference cannot be forged to match someone else's reply.
@frozen
public struct Ref: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let node: NodeID
    public let id: UInt64

    @_spi(Runtime)
    public init(node: NodeID, id: UInt64) {
        self.node = node
        self.id = id
    }

    public static func < (lhs: Ref, rhs: Ref) -> Bool {
        lhs.node != rhs.node ? lhs.node < rhs.node : lhs.id < rhs.id
    }

    /// `#Ref<0.ID>`, Erlang's shape; it cannot be parsed back into a reference.
    public var description: String { "#Ref<\(node.creation).\(id)>" }
}
