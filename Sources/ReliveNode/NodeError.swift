/// Why a node operation failed, in the tool's terms (the control protocol
/// carries `kind` as its `error` field, so the client maps it to an exit code).
public struct NodeError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// A bad request: unknown operation, missing or malformed argument.
        case usage
        /// Not accepted: a peer of another user, a bundle, an upgrade.
        case refused
        /// Tried and went wrong.
        case failed
        /// Nothing answers on the control socket.
        case notRunning = "not_running"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
