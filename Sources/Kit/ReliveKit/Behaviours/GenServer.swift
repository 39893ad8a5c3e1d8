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
    nonisolated(nonsending)
    public static func call(_ server: Pid, _ request: Term, timeout: Duration? = GenericCall.defaultTimeout,
                            process: any ProcessContext) async throws -> Term {
        try await GenericCall.call(server, label: callLabel, request: request, timeout: timeout, process: process)
    }

    /// `gen_server:call/3` to a registered name.
    nonisolated(nonsending)
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

    /// `gen_server:stop/3`: tells `server` to stop with `reason` (the
    /// `{system, From, {terminate, Reason}}` request of `sys:terminate`); the
    /// server runs `terminate(reason)` and exits. Returns once it has ended.
    ///
    /// - Parameters:
    ///   - reason: the exit reason; `normal` (the default), `shutdown` and
    ///     `{shutdown, _}` make no crash report.
    ///   - timeout: how long to wait for the end; nil (the default, as OTP's
    ///     `infinity`) waits for ever.
    /// - Throws: ``CallError``: `.noproc` when the server is not alive,
    ///   `.timeout`, `.exited(other)` when it ended with another reason (or
    ///   answered the request instead, as a process that is no behaviour
    ///   does), `.callingSelf`.
    public static func stop(_ server: Pid, reason: Term = .normal, timeout: Duration? = nil,
                            process: any ProcessContext) async throws {
        if server == process.pid { throw CallError.callingSelf }
        let monitor = process.monitor(server)
        let alias = process.alias()
        defer { process.unalias(alias) }
        let from = CallFrom(replyTo: alias, tag: monitor)
        server.send(.tuple([.atom("system"), from.term, .tuple([.atom("terminate"), reason])]))
        let tag = Term.ref(monitor)
        let outcome = try await process.receive(timeout: timeout) { message -> Term? in
            guard case .tuple(let e) = message else { return nil }
            if e.count == 5, e[1] == tag, e[0] == .atom(Atom.down) { return e[4] }
            if e.count == 2, e[0] == tag { return .tuple([.atom("unexpected_reply"), e[1]]) }
            return nil
        }
        guard let ended = outcome else {
            process.demonitor(monitor, flush: true)
            throw CallError.timeout
        }
        if ended == .atom(Atom.noproc) { throw CallError.noproc }
        guard ended == reason else {
            process.demonitor(monitor, flush: true)
            throw CallError.exited(ended)
        }
    }

    /// `gen_server:stop/3` of the process registered as `server`.
    /// - Throws: ``CallError/noproc`` when no process has the name; see ``stop(_:reason:timeout:process:)-(Pid,_,_,_)``.
    public static func stop(_ server: Atom, reason: Term = .normal, timeout: Duration? = nil,
                            process: any ProcessContext) async throws {
        guard let pid = process.whereis(server) else { throw CallError.noproc }
        try await stop(pid, reason: reason, timeout: timeout, process: process)
    }
}
