/// The client side of gen_statem: call and cast. The messages are
/// gen_server's (`{'$gen_call', From, Request}`, `{'$gen_cast', Request}`),
/// as in OTP; a gen_statem sees them as `{call, From}` and `cast` events.
/// `start` lives in the runtime.
public enum GenStatem {
    /// `gen_statem:call/3`.
    /// - Parameter timeout: nil (the default, as OTP's `infinity`) waits for ever.
    /// - Throws: ``CallError``.
    nonisolated(nonsending)
    public static func call(_ server: Pid, _ request: Term, timeout: Duration? = nil,
                            process: any ProcessContext) async throws -> Term {
        try await GenServer.call(server, request, timeout: timeout, process: process)
    }

    /// `gen_statem:call/3` to a registered name.
    nonisolated(nonsending)
    public static func call(_ server: Atom, _ request: Term, timeout: Duration? = nil,
                            process: any ProcessContext) async throws -> Term {
        try await GenServer.call(server, request, timeout: timeout, process: process)
    }

    /// `gen_statem:cast/2`.
    public static func cast(_ server: Pid, _ request: Term) { GenServer.cast(server, request) }

    /// `gen_statem:cast/2` to a registered name; nothing happens when no
    /// process has the name.
    public static func cast(_ server: Atom, _ request: Term, process: any ProcessContext) {
        GenServer.cast(server, request, process: process)
    }

    /// `gen_statem:reply/2`.
    public static func reply(_ from: CallFrom, _ reply: Term) { from.reply(reply) }
}
