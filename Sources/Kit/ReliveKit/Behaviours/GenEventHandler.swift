/// The callbacks of a gen_event handler module: code that an event manager
/// runs, with the handler's own state, for each event it is sent.
///
/// Handlers are modules in the node's module table (``ModuleCode/eventHandler(_:)``);
/// a manager may run several handlers of one module, told apart by an id
/// (OTP's `{Module, Id}`, ``GenEventHandlerID``).
///
/// Callbacks may throw: the manager then removes the handler (calling
/// ``terminate(_:state:process:)`` with `{error, {'EXIT', Reason}}`), reports
/// it, tells its owner if it was added with `add_sup_handler`, and goes on
/// with the others.
public protocol GenEventHandler: Sendable {
    associatedtype State: Sendable

    /// `init/1`. After a swap, `args` is `{Args2, Term}` where `Term` is what
    /// the old handler's `terminate` returned (`error` when it was not installed).
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenEventInit<State>

    /// `handle_event/2`: an event sent with notify or sync_notify.
    func handleEvent(_ event: Term, state: inout State, process: any ProcessContext) async throws -> GenEventResult

    /// `handle_call/2`: a request sent to this handler with `GenEvent.call`.
    func handleCall(_ request: Term, state: inout State, process: any ProcessContext) async throws -> GenEventCallResult

    /// `handle_info/2`: any other message the manager receives.
    func handleInfo(_ info: Term, state: inout State, process: any ProcessContext) async throws -> GenEventResult

    /// `terminate/2`: the handler is being removed. `arg` says why, as in OTP:
    /// the `Args` of delete_handler or swap_handler, `remove_handler`, `stop`
    /// (the manager stops), `{stop, Reason}` (its owner died),
    /// `{error, {'EXIT', Reason}}` (it crashed). The returned term goes to the
    /// new handler's init on a swap, and is delete_handler's result.
    func terminate(_ arg: Term, state: State, process: any ProcessContext) async -> Term

    /// `code_change/3`: builds this version's state from the Term another
    /// version exported.
    /// - Throws: when the state cannot be carried over; the manager then keeps
    ///   every handler on its old code and state.
    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State

    /// Exports the state as a Term (code change, `sys:get_state`).
    func exportState(_ state: State) -> Term

    /// Builds the state from a Term (`sys:replace_state`, the default code change).
    func importState(_ term: Term) throws -> State
}

extension GenEventHandler {
    public func handleCall(_ request: Term, state: inout State, process: any ProcessContext) async throws -> GenEventCallResult {
        throw BehaviourError.unexpectedMessage(kind: "call", message: request)
    }

    /// By default an unexpected message is ignored (OTP logs it).
    public func handleInfo(_ info: Term, state: inout State, process: any ProcessContext) async throws -> GenEventResult {
        .ok
    }

    public func terminate(_ arg: Term, state: State, process: any ProcessContext) async -> Term { .ok }

    public func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        try importState(state)
    }
}

extension GenEventHandler where State == Term {
    public func exportState(_ state: Term) -> Term { state }
    public func importState(_ term: Term) throws -> Term { term }
}

/// A handler's identity in a manager: its module, and an optional id
/// (OTP's `Module` or `{Module, Id}`).
public struct GenEventHandlerID: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let module: Atom
    public let id: Term?

    /// - Parameter id: `false` is no id, as in OTP (`{Module, false}` is `Module`).
    public init(_ module: Atom, id: Term? = nil) {
        self.module = module
        self.id = id == .atom(Atom.false) ? nil : id
    }

    public init(stringLiteral value: String) { self.init(Atom(value)) }

    /// Reads `Module` or `{Module, Id}`.
    public init?(_ term: Term) {
        switch term {
        case .atom(let module): self.init(module)
        case .tuple(let e) where e.count == 2:
            guard case .atom(let module) = e[0] else { return nil }
            self.init(module, id: e[1])
        default: return nil
        }
    }

    /// `Module` or `{Module, Id}`.
    public var term: Term { id.map { .tuple([.atom(module), $0]) } ?? .atom(module) }

    public var description: String { term.description }
}

/// What a handler's `init/1` answers.
public enum GenEventInit<State: Sendable>: Sendable {
    /// `{ok, State}`.
    case ok(State)
    /// `{error, Reason}`: the handler is not added; the caller gets `{error, Reason}`.
    case error(Term)
}

/// What `handle_event/2` and `handle_info/2` answer.
public enum GenEventResult: Sendable {
    /// `{ok, NewState}`.
    case ok
    /// `{ok, NewState, hibernate}` (accepted; nothing to drop).
    case okHibernate
    /// `{swap_handler, Args1, NewState, Handler2, Args2}`: this handler is
    /// terminated with `Args1` and replaced, in its place and with its owner,
    /// by `Handler2` started with `{Args2, Result of terminate}`.
    case swapHandler(args1: Term, handler: GenEventHandlerID, args2: Term)
    /// `remove_handler`: terminated with `remove_handler` and removed.
    case removeHandler
}

/// What `handle_call/2` answers.
public enum GenEventCallResult: Sendable {
    /// `{ok, Reply, NewState}`.
    case ok(Term)
    /// `{swap_handler, Reply, Args1, NewState, Handler2, Args2}`.
    case swapHandler(reply: Term, args1: Term, handler: GenEventHandlerID, args2: Term)
    /// `{remove_handler, Reply}`.
    case removeHandler(reply: Term)
}
