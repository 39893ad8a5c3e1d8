/// Names a node: its name and its creation (incarnation), as in Erlang.
///
/// The creation changes each time a node with the same name starts, so a pid
/// or reference from a previous incarnation never reaches a new process.
@frozen
public struct NodeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The node's name, e.g. `relive@localhost`.
    public let name: Atom
    /// The node's incarnation.
    public let creation: UInt32

    public init(name: Atom, creation: UInt32) {
        self.name = name
        self.creation = creation
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        lhs.name != rhs.name ? lhs.name < rhs.name : lhs.creation < rhs.creation
    }

    public var description: String { "\(name)#\(creation)" }
}
