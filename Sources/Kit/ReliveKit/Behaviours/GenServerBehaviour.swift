/// The callbacks of a gen_server module: a server process that keeps state
/// and answers calls, casts and other messages, one at a time.
///
/// A module is a value (usually a stateless struct) whose methods OTP would
/// call `Module:init/1`, `Module:handle_call/3`, …. Its ``State`` may be any
/// Swift type while one version of the module runs; when the process changes
/// code, the old version exports its state to a ``Term``
/// (``exportState(_:)``) and the new version builds its own state from it
/// (``codeChange(oldVersion:state:extra:)``), because a type from one plugin
/// cannot be read by another.
///
/// Callbacks may throw: the server then ends with a reason naming the error,
/// as an Erlang process that crashes in a callback.
///
/// The message callbacks are `nonisolated(nonsending)`: they run on the
/// server's own executor, with no executor switch into them and back (two
/// `swift_task_switch`es a message, 5 % of a call round trip). A module may
/// implement them as plain `async` functions; Swift then switches on the
/// way in and out, as before.
public protocol GenServerBehaviour: Sendable {
    associatedtype State: Sendable

    /// `init/1`: starts the server's state, or refuses to start.
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State>

    /// `handle_call/3`: answers a request whose caller waits for the reply.
    nonisolated(nonsending) func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult

    /// `handle_cast/2`: handles a request no one waits for.
    nonisolated(nonsending) func handleCast(_ request: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult

    /// `handle_info/2`: handles any other message (exit signals when
    /// trapping exits, monitors' `'DOWN'`, timers, timeouts as `timeout`).
    nonisolated(nonsending) func handleInfo(_ message: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult

    /// `handle_continue/2`: work deferred with `.continue(term)`.
    nonisolated(nonsending) func handleContinue(_ continuation: Term, state: inout State,
                        process: any ProcessContext) async throws -> GenServerResult

    /// `terminate/2`: last words when the server stops (also on a supervisor's
    /// shutdown when the server traps exits).
    func terminate(reason: Term, state: State, process: any ProcessContext) async

    /// `code_change/3`: builds this version's state from `state`, the Term
    /// another version exported.
    /// - Parameters:
    ///   - oldVersion: the version changed from (upgrade), or `{down, Vsn}`
    ///     when this version is the older one being returned to (downgrade).
    ///   - extra: the appup's `{advanced, Extra}` term (`[]` otherwise).
    /// - Throws: when the state cannot be carried over; the process then keeps
    ///   running its old code and state, and the change is reported as failed.
    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State

    /// Exports the state as a Term, for another version's ``codeChange(oldVersion:state:extra:)``
    /// and for `sys:get_state`.
    func exportState(_ state: State) -> Term

    /// Builds the state from a Term (`sys:replace_state`, and the default
    /// ``codeChange(oldVersion:state:extra:)``).
    func importState(_ term: Term) throws -> State

    /// `format_status/1`: the state as shown by `sys:get_status` and crash
    /// reports (hide secrets here).
    func formatStatus(_ state: State) -> Term
}

extension GenServerBehaviour {
    nonisolated(nonsending) public func handleCast(_ request: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        throw BehaviourError.unexpectedMessage(kind: "cast", message: request)
    }

    /// By default an unexpected message is ignored (OTP logs it).
    nonisolated(nonsending) public func handleInfo(_ message: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        .noreply
    }

    nonisolated(nonsending) public func handleContinue(_ continuation: Term, state: inout State,
                               process: any ProcessContext) async throws -> GenServerResult {
        throw BehaviourError.unexpectedMessage(kind: "continue", message: continuation)
    }

    public func terminate(reason: Term, state: State, process: any ProcessContext) async {}

    public func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        try importState(state)
    }

    public func formatStatus(_ state: State) -> Term { exportState(state) }
}

extension GenServerBehaviour where State == Term {
    public func exportState(_ state: Term) -> Term { state }
    public func importState(_ term: Term) throws -> Term { term }
}


extension GenServerBehaviour where State: Codable {
    /// Codable state crosses versions through ``TermEncoder``; a state that
    /// cannot be encoded exports as `{export_failed, Description}`, which the
    /// next version's code_change then refuses (so the change rolls back).
    public func exportState(_ state: State) -> Term {
        do { return try TermEncoder().encode(state) } catch {
            return .tuple([.atom("export_failed"), .string(String(describing: error))])
        }
    }

    public func importState(_ term: Term) throws -> State {
        try TermDecoder().decode(State.self, from: term)
    }
}
