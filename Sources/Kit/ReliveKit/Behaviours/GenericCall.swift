/// The request/reply protocol under gen_server calls, sys requests and
/// supervisor requests (OTP's `gen:call`): `{Label, {Alias, Tag}, Request}`
/// answered by `{Tag, Reply}`.
public enum GenericCall {
    /// The default call timeout, as in OTP.
    public static let defaultTimeout: Duration = .seconds(5)

    /// Sends `{label, From, request}` to `target` and waits for the reply.
    ///
    /// The caller monitors the target for the duration of the call, so a dead
    /// or dying server ends the wait at once with its reason. The reply comes
    /// to a fresh alias that is deactivated when the call ends.
    /// - Parameters:
    ///   - timeout: nil waits for ever (OTP's `infinity`).
    /// - Throws: ``CallError``.
    nonisolated(nonsending) public static func call(
        _ target: Pid, label: Atom, request: Term,
        timeout: Duration? = defaultTimeout, process: any ProcessContext
    ) async throws -> Term {
        let labelTerm = Term.atom(label)
        return try await call(target, timeout: timeout, process: process) { from in
            .tuple([labelTerm, from.term, request])
        }
    }

    /// The call protocol with any request shape: `message` builds the request
    /// from the call's reply address; the answer is `{Tag, Reply}`.
    /// - Throws: ``CallError``.
    nonisolated(nonsending) public static func call(
        _ target: Pid, timeout: Duration?, process: any ProcessContext, message: (CallFrom) -> Term
    ) async throws -> Term {
        if target == process.pid { throw CallError.callingSelf }
        let monitor = process.monitor(target)
        let alias = process.alias()
        defer { process.unalias(alias) }
        target.send(message(CallFrom(replyTo: alias, tag: monitor)))
        let tag = Term.ref(monitor)
        // The matcher picks the reply or the 'DOWN' and returns it whole: a
        // `Term` result takes the runtime's specialized receive (an enum of
        // this module's own would take the generic one, through metadata).
        let answer = try await process.receive(timeout: timeout) { message -> Term? in
            guard case .tuple(let e) = message else { return nil }
            if e.count == 2, e[0] == tag { return message }
            if e.count == 5, e[1] == tag, e[0] == .atom(Atom.down) { return message }
            return nil
        }
        guard case .tuple(let e)? = answer else {
            process.demonitor(monitor, flush: true)
            throw CallError.timeout
        }
        guard e.count == 2 else {
            let reason = e[4]
            throw reason == .atom(Atom.noproc) ? CallError.noproc : CallError.exited(reason)
        }
        process.demonitor(monitor, flush: true)
        return e[1]
    }

    /// Resolves a registered name and calls it; ``CallError/noproc`` when no
    /// process has the name.
    nonisolated(nonsending) public static func call(
        _ name: Atom, label: Atom, request: Term,
        timeout: Duration? = defaultTimeout, process: any ProcessContext
    ) async throws -> Term {
        guard let pid = process.whereis(name) else { throw CallError.noproc }
        return try await call(pid, label: label, request: request, timeout: timeout, process: process)
    }
}

extension GenericCall {
    /// Sends the same request to many processes at once and collects every
    /// answer: all requests leave before the first reply is awaited, so the
    /// time is one round trip plus the slowest handler, not their sum (what
    /// OTP's release handler lacks when it suspends processes one by one).
    ///
    /// Each target is monitored for the call, so a dead or dying target
    /// answers with its reason instead of stalling the rest.
    /// - Parameter timeout: for the whole batch; targets that have not
    ///   answered by then get ``CallError/timeout``.
    /// - Returns: one result per target (duplicates answered once).
    public static func multiCall(
        _ targets: [Pid], label: Atom, request: Term,
        timeout: Duration? = defaultTimeout, process: any ProcessContext
    ) async throws -> [Pid: Result<Term, CallError>] {
        try await multiCall(targets.map { ($0, timeout) }, label: label, request: request, process: process)
    }

    /// ``multiCall(_:label:request:timeout:process:)`` with a timeout of each
    /// target's own (nil: none), measured from the moment the requests leave:
    /// one round, which waits for the slowest target or its deadline, whichever
    /// comes first. A target whose answer comes after its own deadline gets
    /// ``CallError/timeout`` while the others keep their time.
    /// - Parameter targets: a target named twice is asked once, with the first timeout given.
    /// - Returns: one result per target.
    public static func multiCall(
        _ targets: [(pid: Pid, timeout: Duration?)], label: Atom, request: Term, process: any ProcessContext
    ) async throws -> [Pid: Result<Term, CallError>] {
        let rounds = CallRounds(process: process)
        defer { rounds.close() }
        let indices = rounds.add(targets.lazy.map(\.pid))
        let answers = try await rounds.call(zip(indices, targets).map { ($0, $1.timeout) }, label: label, request: request)
        var results: [Pid: Result<Term, CallError>] = [:]
        results.reserveCapacity(rounds.targets.count)
        for (k, target) in targets.enumerated() where results[target.pid] == nil { results[target.pid] = answers[k] }
        return results
    }
}
