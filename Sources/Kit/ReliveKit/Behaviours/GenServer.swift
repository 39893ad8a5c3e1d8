/// The client side of gen_server: call, cast and reply. Messages follow OTP's
/// shapes (`{'$gen_call', From, Request}`, `{'$gen_cast', Request}`), so a
/// server can be any process that speaks them.
public enum GenServer {
    static let callLabel: Atom = "$gen_call"
    static let castLabel: Atom = "$gen_cast"

    /// `gen_server:call/3`: sends `request` and waits for the reply.
    /// - Parameter timeout: nil waits for ever; the default is 5 s.
    /// - Throws: ``CallError``: `.timeout`, `.noproc`, `.exited(reason)` when
    ///   the server dies during the call, `.callingSelf`.
    public static func call(_ server: Pid, _ request: Term, timeout: Duration? = GenericCall.defaultTimeout,
                            process: any ProcessContext) async throws -> Term {
        try await GenericCall.call(server, label: callLabel, request: request, timeout: timeout, process: process)
    }

    /// `gen_server:call/3` to a registered name.
    public static func call(_ server: Atom, _ request: Term, timeout: Duration? = GenericCall.defaultTimeout,
                            process: any ProcessContext) async throws -> Term {
        try await GenericCall.call(server, label: callLabel, request: request, timeout: timeout, process: process)
    }

    /// `gen_server:cast/2`: sends `request` and returns at once.
    public static func cast(_ server: Pid, _ request: Term) {
        server.send(.tuple([.atom(castLabel), request]))
    }

    /// `gen_server:cast/2` to a registered name; does nothing when no process
    /// has the name (as in OTP).
    public static func cast(_ server: Atom, _ request: Term, process: any ProcessContext) {
        process.whereis(server)?.send(.tuple([.atom(castLabel), request]))
    }

    /// `gen_server:reply/2`.
    public static func reply(_ from: CallFrom, _ reply: Term) { from.reply(reply) }
}
