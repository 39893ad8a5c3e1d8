/// The client side of gen_event: messages to an event manager, in OTP's
/// shapes (`{notify, Event}`, and `{Caller, From, Command}` requests, which is
/// how OTP's gen_event calls its manager). `start` lives in the runtime.
///
/// Results are OTP's terms, unchanged: `ok`, `{error, Reason}`,
/// `{'EXIT', Reason}`…, because a handler's own reply or terminate result may
/// be any term. A dead manager makes the request throw ``CallError`` (OTP
/// exits the caller).
public enum GenEvent {
    /// `gen_event:notify/2`: sends the event and returns at once.
    public static func notify(_ manager: Pid, _ event: Term) {
        manager.send(.tuple([.atom("notify"), event]))
    }

    /// `gen_event:notify/2` to a registered name (nothing happens when no
    /// process has the name, as in OTP).
    public static func notify(_ manager: Atom, _ event: Term, process: any ProcessContext) {
        process.whereis(manager)?.send(.tuple([.atom("notify"), event]))
    }

    /// `gen_event:sync_notify/2`: returns `ok` once every handler has handled the event.
    @discardableResult
    public static func syncNotify(_ manager: Pid, _ event: Term, process: any ProcessContext) async throws -> Term {
        try await request(manager, .tuple([.atom("sync_notify"), event]), timeout: nil, process: process)
    }

    /// `gen_event:add_handler/3`: `ok`, `{error, Reason}` (init refused) or
    /// `{'EXIT', Reason}` (init threw, or the module is not an event handler).
    @discardableResult
    public static func addHandler(_ manager: Pid, _ handler: GenEventHandlerID, args: Term = .list([]),
                                  process: any ProcessContext) async throws -> Term {
        try await request(manager, .tuple([.atom("add_handler"), handler.term, args]), timeout: nil, process: process)
    }

    /// `gen_event:add_sup_handler/3`: as ``addHandler(_:_:args:process:)``,
    /// and the manager links to the caller: the caller is told
    /// `{gen_event_EXIT, Handler, Reason}` when the handler is removed, and the
    /// handler is removed (terminate `{stop, Reason}`) when the caller ends.
    @discardableResult
    public static func addSupHandler(_ manager: Pid, _ handler: GenEventHandlerID, args: Term = .list([]),
                                     process: any ProcessContext) async throws -> Term {
        try await request(manager, .tuple([.atom("add_sup_handler"), handler.term, args, .pid(process.pid)]),
                          timeout: nil, process: process)
    }

    /// `gen_event:delete_handler/3`: what the handler's terminate returned, or
    /// `{error, module_not_found}`.
    @discardableResult
    public static func deleteHandler(_ manager: Pid, _ handler: GenEventHandlerID, args: Term = .list([]),
                                     process: any ProcessContext) async throws -> Term {
        try await request(manager, .tuple([.atom("delete_handler"), handler.term, args]), timeout: nil, process: process)
    }

    /// `gen_event:swap_handler/3`: terminates `old` with `args1` and adds `new`
    /// with `{args2, Result}`; `new` keeps `old`'s owner. `ok` or `{error, Reason}`.
    @discardableResult
    public static func swapHandler(_ manager: Pid, _ old: GenEventHandlerID, args1: Term,
                                   _ new: GenEventHandlerID, args2: Term,
                                   process: any ProcessContext) async throws -> Term {
        try await request(manager, .tuple([.atom("swap_handler"), old.term, args1, new.term, args2]),
                          timeout: nil, process: process)
    }

    /// `gen_event:swap_sup_handler/3`: as swap_handler, and the caller owns `new`.
    @discardableResult
    public static func swapSupHandler(_ manager: Pid, _ old: GenEventHandlerID, args1: Term,
                                      _ new: GenEventHandlerID, args2: Term,
                                      process: any ProcessContext) async throws -> Term {
        try await request(manager, .tuple([.atom("swap_sup_handler"), old.term, args1, new.term, args2, .pid(process.pid)]),
                          timeout: nil, process: process)
    }

    /// `gen_event:call/4`: the handler's reply, `{error, bad_module}` when it
    /// is not installed, or `{error, {'EXIT', Reason}}` when it threw (it is
    /// then removed).
    /// - Parameter timeout: the default is 5 s, as in OTP.
    public static func call(_ manager: Pid, _ handler: GenEventHandlerID, _ request: Term,
                            timeout: Duration? = GenericCall.defaultTimeout,
                            process: any ProcessContext) async throws -> Term {
        try await Self.request(manager, .tuple([.atom("call"), handler.term, request]), timeout: timeout, process: process)
    }

    /// `gen_event:which_handlers/1`.
    public static func whichHandlers(_ manager: Pid, process: any ProcessContext) async throws -> [GenEventHandlerID] {
        let reply = try await request(manager, .atom("which_handlers"), timeout: nil, process: process)
        return (reply.listElements ?? []).compactMap(GenEventHandlerID.init)
    }

    /// `gen_event:stop/1`: every handler is terminated with `stop`; returns
    /// once the manager has ended.
    public static func stop(_ manager: Pid, process: any ProcessContext) async throws {
        let monitor = process.monitor(manager)
        _ = try await request(manager, .atom("stop"), timeout: nil, process: process)
        let tag = Term.ref(monitor)
        _ = try await process.receive(timeout: nil) { m -> Bool? in
            (m[element: 0] == .atom(Atom.down) && m[element: 1] == tag) ? true : nil
        }
    }

    /// One request `{Caller, From, Command}` to the manager (OTP's
    /// `gen:call(M, self(), Cmd)`), with the same monitor-and-alias protocol as
    /// ``GenericCall``.
    public static func request(_ manager: Pid, _ command: Term, timeout: Duration?,
                               process: any ProcessContext) async throws -> Term {
        let caller = Term.pid(process.pid)
        return try await GenericCall.call(manager, timeout: timeout, process: process) { from in
            .tuple([caller, from.term, command])
        }
    }
}
