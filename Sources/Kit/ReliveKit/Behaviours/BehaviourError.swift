/// Errors the behaviours' default callbacks throw (gen_server, gen_event
/// handlers), and the error a module throws when a state Term is not its own.
public enum BehaviourError: Error, Sendable, CustomStringConvertible {
    /// A callback that the module does not implement received a message.
    case unexpectedMessage(kind: String, message: Term)
    /// The state Term cannot be read by this version.
    case badState(Term)

    public var description: String {
        switch self {
        case .unexpectedMessage(let kind, let message): "unexpected \(kind) \(message)"
        case .badState(let term): "cannot read state \(term)"
        }
    }
}
