/// The client side of supervisor: requests to a running supervisor (OTP's
/// `supervisor:start_child/2`, …), sent as gen_server calls.
public enum Supervisor {
    /// One child as `which_children` reports it.
    public struct Child: Sendable, Equatable {
        public let id: Term
        /// nil when not running (`undefined`), e.g. after terminate_child.
        public let pid: Pid?
        public let type: ChildSpec.ChildType
        public let modules: [Atom]
    }

    /// `start_child/2` with a spec (not for simple_one_for_one).
    /// - Returns: the child's pid, or nil when it answered `ignore`.
    /// - Throws: ``SupervisorError`` (`already_present`, `{already_started, Pid}`, start failure).
    public static func startChild(_ supervisor: Pid, _ spec: ChildSpec, process: any ProcessContext) async throws -> Pid? {
        guard let term = spec.term else { throw ChildSpecError.notSendable }
        return try startResult(try await request(supervisor, .tuple([.atom("start_child"), term]), process: process))
    }

    /// `start_child/2` for simple_one_for_one: the template's args with `extraArgs` appended.
    public static func startChild(_ supervisor: Pid, extraArgs: [Term], process: any ProcessContext) async throws -> Pid? {
        try startResult(try await request(supervisor, .tuple([.atom("start_child"), .list(extraArgs)]), process: process))
    }

    /// `terminate_child/2`: stops the child (keeping its spec, except for
    /// simple_one_for_one where `id` is the child's pid).
    public static func terminateChild(_ supervisor: Pid, _ id: Term, process: any ProcessContext) async throws {
        try expectOK(try await request(supervisor, .tuple([.atom("terminate_child"), id]), process: process))
    }

    /// `restart_child/2`: starts a terminated child again from its spec.
    public static func restartChild(_ supervisor: Pid, _ id: Term, process: any ProcessContext) async throws -> Pid? {
        try startResult(try await request(supervisor, .tuple([.atom("restart_child"), id]), process: process))
    }

    /// `delete_child/2`: removes the spec of a terminated child.
    public static func deleteChild(_ supervisor: Pid, _ id: Term, process: any ProcessContext) async throws {
        try expectOK(try await request(supervisor, .tuple([.atom("delete_child"), id]), process: process))
    }

    /// `which_children/1`, in start order.
    public static func whichChildren(_ supervisor: Pid, process: any ProcessContext) async throws -> [Child] {
        let reply = try await request(supervisor, .atom("which_children"), process: process)
        guard case .list(let items) = reply else { throw SupervisorError(reply) }
        return items.compactMap { item in
            guard case .tuple(let e) = item, e.count == 4, case .atom(let t) = e[2],
                  let type = ChildSpec.ChildType(rawValue: t.name), case .list(let mods) = e[3] else { return nil }
            return Child(id: e[0], pid: e[1].pidValue, type: type, modules: mods.compactMap(\.atomValue))
        }
    }

    /// `count_children/1`: specs, active, supervisors, workers.
    public static func countChildren(_ supervisor: Pid, process: any ProcessContext) async throws -> [String: Int] {
        let reply = try await request(supervisor, .atom("count_children"), process: process)
        guard case .list(let items) = reply else { throw SupervisorError(reply) }
        var counts: [String: Int] = [:]
        for case .tuple(let e) in items where e.count == 2 {
            if case .atom(let key) = e[0], case .int(let n) = e[1] { counts[key.name] = n }
        }
        return counts
    }

    /// `get_childspec/2`.
    public static func childSpec(_ supervisor: Pid, _ id: Term, process: any ProcessContext) async throws -> ChildSpec {
        let reply = try await request(supervisor, .tuple([.atom("get_childspec"), id]), process: process)
        guard case .tuple(let e) = reply, e.count == 2, e[0] == .ok else { throw SupervisorError(reply) }
        return try ChildSpec(term: e[1])
    }

    static func request(_ supervisor: Pid, _ request: Term, process: any ProcessContext) async throws -> Term {
        try await GenServer.call(supervisor, request, timeout: nil, process: process)
    }

    static func startResult(_ reply: Term) throws -> Pid? {
        if case .tuple(let e) = reply, e.count >= 2, e[0] == .ok { return e[1].pidValue }
        throw SupervisorError(reply)
    }

    static func expectOK(_ reply: Term) throws {
        if reply != .ok { throw SupervisorError(reply) }
    }
}

/// A supervisor's error answer, `{error, Reason}`.
public struct SupervisorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The whole answer.
    public let reply: Term
    public init(_ reply: Term) { self.reply = reply }
    /// The reason inside `{error, Reason}`.
    public var reason: Term { reply[element: 1] ?? reply }
    public var description: String { "supervisor answered \(reply)" }
}
