/// The callbacks of a gen_statem module: a state machine process whose state
/// is a ``Term`` (OTP's states are terms) and whose data may be any Swift type
/// while one version of the module runs.
///
/// ## Callback modes
/// ``callbackMode`` chooses how the engine finds the code for an event, as
/// OTP's `callback_mode/0` does:
/// - ``GenStatemCallbackMode/stateFunctions``: the state must be an atom, and
///   the engine calls the state's own function (OTP's `Module:StateName/3`),
///   looked up by the state atom in ``stateFunctions``. The dictionary is read
///   once when the process starts (and again after a code change), so a
///   lookup costs one hash of an atom. A state with no function ends the
///   process with ``GenStatemError/noStateFunction(_:)`` (OTP's `undef`).
/// - ``GenStatemCallbackMode/handleEventFunction``: every event goes to
///   ``handleEvent(_:_:state:data:process:)`` (OTP's `handle_event/4`), and
///   the state may be any term.
///
/// ``stateEnter`` adds OTP's `state_enter`: after every state change (and
/// `repeat_state`), and after `init`, the engine calls the new state's code
/// with the event ``GenStatemEvent/enter`` and the old state as content.
///
/// ## Code change
/// The state is a Term already; the data crosses versions as the Term
/// ``exportData(_:)`` makes, and the new version's
/// ``codeChange(oldVersion:state:data:extra:)`` builds its own (state, data).
public protocol GenStatemBehaviour: Sendable {
    associatedtype Data: Sendable

    /// `callback_mode/0`.
    var callbackMode: GenStatemCallbackMode { get }

    /// Whether state enter calls are made (`[..., state_enter]`). Default false.
    var stateEnter: Bool { get }

    /// `init/1`: the initial state and data (with actions), or refuses to start.
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenStatemStart<Data>

    /// State-functions mode: the function of each state, by state name.
    var stateFunctions: [Atom: GenStatemStateFunction<Data>] { get }

    /// Handle-event-function mode: `handle_event/4`.
    func handleEvent(_ event: GenStatemEvent, _ content: Term, state: Term, data: inout Data,
                     process: any ProcessContext) async throws -> GenStatemResult

    /// `terminate/3`.
    func terminate(reason: Term, state: Term, data: Data, process: any ProcessContext) async

    /// `code_change/4`: builds this version's state and data from the state
    /// and the data Term another version exported.
    /// - Parameters:
    ///   - oldVersion: the version changed from, or `{down, Vsn}` on a downgrade.
    ///   - extra: the appup's `{advanced, Extra}` term (`[]` otherwise).
    /// - Throws: when they cannot be carried over; the process then keeps
    ///   its old code, state and data, and the change is reported as failed.
    func codeChange(oldVersion: Term, state: Term, data: Term, extra: Term) throws -> (state: Term, data: Data)

    /// Exports the data as a Term (code change, `sys:get_state`).
    func exportData(_ data: Data) -> Term

    /// Builds the data from a Term (`sys:replace_state`, the default code change).
    func importData(_ term: Term) throws -> Data

    /// `format_status`: what `sys:get_status` and crash reports show.
    func formatStatus(state: Term, data: Data) -> Term
}

extension GenStatemBehaviour {
    public var stateEnter: Bool { false }

    public var stateFunctions: [Atom: GenStatemStateFunction<Data>] { [:] }

    public func handleEvent(_ event: GenStatemEvent, _ content: Term, state: Term, data: inout Data,
                            process: any ProcessContext) async throws -> GenStatemResult {
        throw GenStatemError.unexpectedEvent(event, content, state: state)
    }

    public func terminate(reason: Term, state: Term, data: Data, process: any ProcessContext) async {}

    public func codeChange(oldVersion: Term, state: Term, data: Term, extra: Term) throws -> (state: Term, data: Data) {
        (state, try importData(data))
    }

    public func formatStatus(state: Term, data: Data) -> Term { .tuple([state, exportData(data)]) }
}

extension GenStatemBehaviour where Data == Term {
    public func exportData(_ data: Term) -> Term { data }
    public func importData(_ term: Term) throws -> Term { term }
}

/// OTP's `callback_mode()`.
public enum GenStatemCallbackMode: String, Sendable {
    /// `state_functions`: one function per state (the state is an atom).
    case stateFunctions = "state_functions"
    /// `handle_event_function`: one `handle_event/4` for all states.
    case handleEventFunction = "handle_event_function"
}

/// The code of one state in state-functions mode (OTP's `Module:StateName/3`).
public struct GenStatemStateFunction<Data: Sendable>: Sendable {
    public typealias Body = @Sendable (_ event: GenStatemEvent, _ content: Term, _ data: inout Data,
                                       _ process: any ProcessContext) async throws -> GenStatemResult
    public let body: Body

    public init(_ body: @escaping Body) { self.body = body }
}

/// The type of an event (OTP's `event_type()`, plus `enter`).
public enum GenStatemEvent: Sendable, Hashable, CustomStringConvertible {
    /// `{call, From}`: answer with a ``GenStatemAction/reply(_:_:)`` action.
    case call(CallFrom)
    /// `cast`.
    case cast
    /// `info`: any other message.
    case info
    /// `timeout`: the event timeout fired.
    case timeout
    /// `{timeout, Name}`: the generic timeout `Name` fired.
    case genericTimeout(Term)
    /// `state_timeout`: the state timeout fired.
    case stateTimeout
    /// `internal`: from a `next_event` action.
    case `internal`
    /// `enter`: a state enter call; the content is the old state.
    case enter

    /// The event type as OTP writes it.
    public var term: Term {
        switch self {
        case .call(let from): .tuple([.atom("call"), from.term])
        case .cast: .atom("cast")
        case .info: .atom("info")
        case .timeout: .atom("timeout")
        case .genericTimeout(let name): .tuple([.atom("timeout"), name])
        case .stateTimeout: .atom("state_timeout")
        case .internal: .atom("internal")
        case .enter: .atom("enter")
        }
    }

    public var description: String { term.description }
}

/// What `init/1` answers.
public enum GenStatemStart<Data: Sendable>: Sendable {
    /// `{ok, State, Data, Actions}`.
    case ok(state: Term, data: Data, actions: [GenStatemAction] = [])
    /// `ignore`.
    case ignore
    /// `{stop, Reason}`.
    case stop(Term)
}

/// What a state callback answers (OTP's `event_handler_result()` /
/// `state_enter_result()`). The data is the callback's `inout` parameter;
/// the `…AndData` results put back the data the callback received, whatever
/// it did to it, as OTP's `keep_state_and_data` keeps the old data.
public enum GenStatemResult: Sendable {
    /// `{next_state, NextState, NewData, Actions}`.
    case nextState(Term, actions: [GenStatemAction] = [])
    /// `{keep_state, NewData, Actions}`.
    case keepState(actions: [GenStatemAction] = [])
    /// `{keep_state_and_data, Actions}`.
    case keepStateAndData(actions: [GenStatemAction] = [])
    /// `{repeat_state, NewData, Actions}`: like keep_state, but a state enter
    /// call is made again.
    case repeatState(actions: [GenStatemAction] = [])
    /// `{repeat_state_and_data, Actions}`.
    case repeatStateAndData(actions: [GenStatemAction] = [])
    /// `{stop, Reason, NewData}`.
    case stop(Term)
    /// `{stop_and_reply, Reason, Replies, NewData}`: only
    /// ``GenStatemAction/reply(_:_:)`` actions are allowed.
    case stopAndReply(Term, replies: [GenStatemAction])

    /// `keep_state_and_data`.
    public static var keepStateAndData: GenStatemResult { .keepStateAndData(actions: []) }
    /// `{keep_state, NewData}`.
    public static var keepState: GenStatemResult { .keepState(actions: []) }
    /// `repeat_state_and_data`.
    public static var repeatStateAndData: GenStatemResult { .repeatStateAndData(actions: []) }
}

/// A transition action (OTP's `action()`), carried out in list order.
public enum GenStatemAction: Sendable, Hashable {
    /// `postpone`: keep the current event and retry it after the next state change.
    /// Not allowed in state enter calls or `init`.
    case postpone
    /// `{next_event, Type, Content}`: handle this event before any other,
    /// next events in list order. Not allowed in state enter calls.
    case nextEvent(GenStatemEvent, Term)
    /// `{reply, From, Reply}`.
    case reply(CallFrom, Term)
    /// `hibernate` (accepted; Relive's idle processes are already small).
    case hibernate
    /// `{timeout, Time, Content}`: an event timeout, cancelled by any event.
    /// nil is `infinity` (no timer; cancels one that runs).
    case eventTimeout(Duration?, Term)
    /// `{state_timeout, Time, Content}`: cancelled by a state change.
    case stateTimeout(Duration?, Term)
    /// `{{timeout, Name}, Time, Content}`: a generic timeout, only cancelled
    /// explicitly (or by being set again).
    case genericTimeout(Term, Duration?, Term)
    /// `{TimeoutType, cancel}`.
    case cancelTimeout(GenStatemTimeout)
    /// `{TimeoutType, update, Content}`: a running timer keeps its time and
    /// gets the new content; when none runs, it fires at once (as OTP does).
    case updateTimeout(GenStatemTimeout, Term)
}

/// The three kinds of gen_statem timeouts.
public enum GenStatemTimeout: Sendable, Hashable {
    /// `timeout` (the event timeout).
    case event
    /// `state_timeout`.
    case state
    /// `{timeout, Name}`.
    case generic(Term)
}

/// Errors a gen_statem's engine and default callbacks throw.
public enum GenStatemError: Error, Sendable, CustomStringConvertible {
    /// `handle_event/4` is not implemented, or does not handle this event.
    case unexpectedEvent(GenStatemEvent, Term, state: Term)
    /// State-functions mode and the state has no function (OTP's `undef`).
    case noStateFunction(Term)
    /// The data Term cannot be read by this version.
    case badData(Term)

    public var description: String {
        switch self {
        case .unexpectedEvent(let event, let content, let state): "unexpected \(event) \(content) in state \(state)"
        case .noStateFunction(let state): "no state function for state \(state)"
        case .badData(let term): "cannot read data \(term)"
        }
    }
}
