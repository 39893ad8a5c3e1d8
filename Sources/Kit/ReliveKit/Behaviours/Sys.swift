/// The client side of the `sys` protocol: the upgrade machinery's hands on
/// every behaviour process. Requests are `{system, From, Request}` calls that
/// behaviour processes answer even while suspended.
public enum Sys {
    /// The label of every sys request: `{system, From, Request}`.
    public static let label: Atom = "system"

    /// Suspends the process: it answers only system messages until resumed;
    /// other messages wait in its mailbox, in order.
    public static func suspend(_ pid: Pid, timeout: Duration? = GenericCall.defaultTimeout,
                               process: any ProcessContext) async throws {
        try expectOK(try await request(pid, .atom("suspend"), timeout: timeout, process: process))
    }

    /// Resumes a suspended process. A code change made while suspended is
    /// committed: the old code and state are dropped.
    public static func resume(_ pid: Pid, timeout: Duration? = GenericCall.defaultTimeout,
                              process: any ProcessContext) async throws {
        try expectOK(try await request(pid, .atom("resume"), timeout: timeout, process: process))
    }

    /// Changes a suspended process to the current code of `module`, carrying
    /// its state through the new code's `code_change`.
    /// - Throws: ``SysError/failed(_:)`` when the process refused (not
    ///   suspended, not running `module`, code_change threw); the process then
    ///   keeps its old code and state.
    public static func changeCode(_ pid: Pid, module: Atom, oldVersion: Term, extra: Term,
                                  timeout: Duration? = GenericCall.defaultTimeout,
                                  process: any ProcessContext) async throws {
        let request: Term = .tuple([.atom("change_code"), .atom(module), oldVersion, extra])
        try expectOK(try await Self.request(pid, request, timeout: timeout, process: process))
    }

    /// Relive's addition: undoes the code change made during this suspension,
    /// putting back the exact old code and state (the transactional upgrade's
    /// rollback). A no-op when no change was made.
    public static func revertCode(_ pid: Pid, timeout: Duration? = GenericCall.defaultTimeout,
                                  process: any ProcessContext) async throws {
        try expectOK(try await request(pid, .atom("revert_code"), timeout: timeout, process: process))
    }

    /// The process's state, as its module exports it.
    public static func getState(_ pid: Pid, timeout: Duration? = GenericCall.defaultTimeout,
                                process: any ProcessContext) async throws -> Term {
        try await request(pid, .atom("get_state"), timeout: timeout, process: process)
    }

    /// Replaces the process's state with `state`, read by its module's `importState`.
    public static func replaceState(_ pid: Pid, with state: Term, timeout: Duration? = GenericCall.defaultTimeout,
                                    process: any ProcessContext) async throws {
        try expectOK(try await request(pid, .tuple([.atom("replace_state"), state]), timeout: timeout, process: process))
    }

    /// `sys:get_status`: `{status, Pid, {module, Behaviour}, [Info…]}` with the
    /// process's module, version, status (running/suspended) and formatted state.
    public static func getStatus(_ pid: Pid, timeout: Duration? = GenericCall.defaultTimeout,
                                 process: any ProcessContext) async throws -> Term {
        try await request(pid, .atom("get_status"), timeout: timeout, process: process)
    }

    /// `sys:statistics(Pid, get)`: messages in and out, start time, reductions.
    public static func statistics(_ pid: Pid, timeout: Duration? = GenericCall.defaultTimeout,
                                  process: any ProcessContext) async throws -> Term {
        try await request(pid, .atom("statistics"), timeout: timeout, process: process)
    }

    /// Turns the process's event log on (keeping the last `limit` events) or off.
    public static func log(_ pid: Pid, limit: Int?, timeout: Duration? = GenericCall.defaultTimeout,
                           process: any ProcessContext) async throws {
        let flag: Term = limit.map { .tuple([.atom("true"), .int($0)]) } ?? .atom("false")
        try expectOK(try await request(pid, .tuple([.atom("log"), flag]), timeout: timeout, process: process))
    }

    /// The logged events, oldest first (`sys:log(Pid, get)`).
    public static func logEvents(_ pid: Pid, timeout: Duration? = GenericCall.defaultTimeout,
                                 process: any ProcessContext) async throws -> Term {
        try await request(pid, .atom("get_log"), timeout: timeout, process: process)
    }

    /// Sends one system request to many processes at once (all requests leave
    /// before any reply is awaited) and returns each answer: how the upgrade
    /// machinery suspends, changes and resumes a module's processes together.
    public static func multiRequest(_ pids: [Pid], _ request: Term, timeout: Duration? = GenericCall.defaultTimeout,
                                    process: any ProcessContext) async throws -> [Pid: Result<Term, CallError>] {
        try await GenericCall.multiCall(pids, label: label, request: request, timeout: timeout, process: process)
    }

    /// ``multiRequest(_:_:timeout:process:)`` with a timeout per target (nil:
    /// none), in one round: the upgrade machinery suspends each module's
    /// processes with that module's timeout.
    public static func multiRequest(_ targets: [(pid: Pid, timeout: Duration?)], _ request: Term,
                                    process: any ProcessContext) async throws -> [Pid: Result<Term, CallError>] {
        try await GenericCall.multiCall(targets, label: label, request: request, process: process)
    }

    /// Sends one system request and returns the raw reply.
    public static func request(_ pid: Pid, _ request: Term, timeout: Duration? = GenericCall.defaultTimeout,
                               process: any ProcessContext) async throws -> Term {
        try await GenericCall.call(pid, label: label, request: request, timeout: timeout, process: process)
    }

    static func expectOK(_ reply: Term) throws {
        if reply == .ok { return }
        throw SysError.failed(reply)
    }
}

/// A sys request the process answered with an error.
public enum SysError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The process's answer, usually `{error, Reason}`.
    case failed(Term)

    public var description: String {
        switch self { case .failed(let reply): "sys request failed: \(reply)" }
    }
}
