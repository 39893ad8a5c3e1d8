/// Why a synchronous call (gen_server call, sys request, supervisor request)
/// did not get its reply.
public enum CallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No reply within the timeout. The call is abandoned; a late reply is dropped.
    case timeout
    /// The server was not alive when called (or no process had its name).
    case noproc
    /// The server ended during the call, with this reason.
    case exited(Term)
    /// A process called itself, which can only deadlock.
    case callingSelf

    /// The exit reason OTP gives the caller: `timeout`, `noproc`, the
    /// server's reason, or `calling_self`.
    public var reason: Term {
        switch self {
        case .timeout: .atom(Atom.timeout)
        case .noproc: .atom(Atom.noproc)
        case .exited(let reason): reason
        case .callingSelf: .atom("calling_self")
        }
    }

    public var description: String {
        switch self {
        case .timeout: "call timed out"
        case .noproc: "no such process"
        case .exited(let reason): "server exited during the call: \(reason)"
        case .callingSelf: "a process called itself"
        }
    }
}
