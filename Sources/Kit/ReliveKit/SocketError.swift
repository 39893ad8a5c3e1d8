/// Why a socket operation failed, with gen_tcp's reason atoms (``reason``).
public enum SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The socket is closed.
    case closed
    /// A passive `recv` waited longer than its timeout.
    case timeout
    /// The caller is not the socket's owner.
    case notOwner
    /// `recv` on a socket in an active mode.
    case active
    /// A frame longer than the packet option allows (sent or received).
    case emsgsize
    /// A bad argument (names which).
    case badArgument(String)
    /// An OS error: its reason atom (`econnrefused`, `econnreset`, …) and text.
    case system(reason: String, message: String)

    /// The gen_tcp reason atom's name.
    public var reason: String {
        switch self {
        case .closed: "closed"
        case .timeout: "timeout"
        case .notOwner: "not_owner"
        case .active: "einval"
        case .emsgsize: "emsgsize"
        case .badArgument: "badarg"
        case .system(let reason, _): reason
        }
    }

    public var description: String {
        switch self {
        case .closed: "the socket is closed"
        case .timeout: "recv timed out"
        case .notOwner: "the caller does not own the socket"
        case .active: "recv on a socket in an active mode"
        case .emsgsize: "frame larger than the packet option allows"
        case .badArgument(let what): "bad argument: \(what)"
        case .system(let reason, let message): "\(reason): \(message)"
        }
    }
}
