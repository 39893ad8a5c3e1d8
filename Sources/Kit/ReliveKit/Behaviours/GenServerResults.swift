/// What `init/1` answers.
public enum GenServerStart<State: Sendable>: Sendable {
    /// `{ok, State}` (with an optional timeout or continue).
    case ok(State, then: GenServerNext = .none)
    /// `ignore`: the server does not start; its starter gets `ignore`.
    case ignore
    /// `{stop, Reason}`: the server does not start; its starter gets the reason.
    case stop(Term)
}

/// What `handle_call/3` answers.
@frozen
public enum GenServerCallResult: Sendable {
    /// `{reply, Reply, NewState}`.
    case reply(Term, then: GenServerNext = .none)
    /// `{noreply, NewState}`: the reply will come later, through ``CallFrom/reply(_:)``.
    case noreply(then: GenServerNext = .none)
    /// `{stop, Reason, Reply, NewState}` / `{stop, Reason, NewState}`.
    case stop(Term, reply: Term? = nil)

    /// `{noreply, NewState}`.
    @inlinable public static var noreply: GenServerCallResult { .noreply(then: .none) }
}

/// What `handle_cast/2`, `handle_info/2` and `handle_continue/2` answer.
@frozen
public enum GenServerResult: Sendable {
    /// `{noreply, NewState}`.
    case noreply(then: GenServerNext = .none)
    /// `{stop, Reason, NewState}`.
    case stop(Term)

    /// `{noreply, NewState}`.
    @inlinable public static var noreply: GenServerResult { .noreply(then: .none) }
}

/// What a gen_server does after a callback, besides waiting for the next message.
@frozen
public enum GenServerNext: Sendable, Equatable {
    /// Wait for the next message.
    case none
    /// When no message arrives within the duration, `handle_info(timeout)`.
    case timeout(Duration)
    /// Run `handle_continue(term)` before any message.
    case `continue`(Term)
    /// Hibernate (accepted; Relive's idle processes are already small, so it
    /// only drops the mailbox's spare capacity).
    case hibernate
}
