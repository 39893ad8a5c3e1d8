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
    public static func call(
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
    public static func call(
        _ target: Pid, timeout: Duration?, process: any ProcessContext, message: (CallFrom) -> Term
    ) async throws -> Term {
        if target == process.pid { throw CallError.callingSelf }
        let monitor = process.monitor(target)
        let alias = process.alias()
        defer { process.unalias(alias) }
        target.send(message(CallFrom(replyTo: alias, tag: monitor)))
        let tag = Term.ref(monitor)
        enum Outcome { case reply(Term), down(Term) }
        let outcome = try await process.receive(timeout: timeout) { message -> Outcome? in
            guard case .tuple(let e) = message else { return nil }
            if e.count == 2, e[0] == tag { return .reply(e[1]) }
            if e.count == 5, e[1] == tag, e[0] == .atom(Atom.down) { return .down(e[4]) }
            return nil
        }
        switch outcome {
        case .reply(let reply)?:
            process.demonitor(monitor, flush: true)
            return reply
        case .down(let reason)?:
            throw reason == .atom(Atom.noproc) ? CallError.noproc : CallError.exited(reason)
        case nil:
            process.demonitor(monitor, flush: true)
            throw CallError.timeout
        }
    }

    /// Resolves a registered name and calls it; ``CallError/noproc`` when no
    /// process has the name.
    public static func call(
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
        var results: [Pid: Result<Term, CallError>] = [:]
        results.reserveCapacity(targets.count)
        // tag -> target and the index of its timeout in `timeouts` (-1: none)
        var pending: [Ref: (pid: Pid, group: Int)] = [:]
        pending.reserveCapacity(targets.count)
        var monitors: [Ref] = []
        monitors.reserveCapacity(targets.count)
        // The distinct timeouts (few: one per module of an upgrade), each with its tags.
        var timeouts: [Duration] = []
        var groups: [[Ref]] = []
        var seen = Set<Pid>()
        seen.reserveCapacity(targets.count)
        let alias = process.alias()
        defer { process.unalias(alias) }
        let labelTerm = Term.atom(label)
        for (target, timeout) in targets where seen.insert(target).inserted {
            if target == process.pid {
                results[target] = .failure(.callingSelf)
                continue
            }
            let monitor = process.monitor(target)
            var group = -1
            if let timeout {
                if let i = timeouts.firstIndex(of: timeout) { group = i } else {
                    group = timeouts.count
                    timeouts.append(timeout)
                    groups.append([])
                }
                groups[group].append(monitor)
            }
            pending[monitor] = (target, group)
            monitors.append(monitor)
            target.send(.tuple([labelTerm, CallFrom(replyTo: alias, tag: monitor).term, request]))
        }
        let sent = ContinuousClock.now
        let deadlines = timeouts.map { sent + $0 }
        var expiring = deadlines.indices.sorted { deadlines[$0] < deadlines[$1] }[...]
        while !pending.isEmpty {
            // Targets past their deadline time out; the rest wait on.
            while let first = expiring.first, deadlines[first] <= .now {
                for tag in groups[first] {
                    guard let entry = pending.removeValue(forKey: tag) else { continue }
                    process.demonitor(tag, flush: false)
                    results[entry.pid] = .failure(.timeout)
                }
                expiring = expiring.dropFirst()
            }
            if pending.isEmpty { break }
            let remaining = expiring.first.map { max(.zero, deadlines[$0] - .now) }
            let answer = try await process.receive(timeout: remaining) { message -> (Ref, Result<Term, CallError>)? in
                guard case .tuple(let e) = message else { return nil }
                if e.count == 2, case .ref(let tag) = e[0], pending[tag] != nil { return (tag, .success(e[1])) }
                if e.count == 5, e[0] == .atom(Atom.down), case .ref(let tag) = e[1], pending[tag] != nil {
                    return (tag, .failure(e[4] == .atom(Atom.noproc) ? .noproc : .exited(e[4])))
                }
                return nil
            }
            guard let (tag, result) = answer, let entry = pending.removeValue(forKey: tag) else { continue }
            // No flush here: one pass at the end removes stray 'DOWN's,
            // instead of one scan of the mailbox per target.
            if entry.group >= 0 && deadlines[entry.group] < .now {
                // Taken after its own deadline (while others' answers were taken): late.
                process.demonitor(tag, flush: false)
                results[entry.pid] = .failure(.timeout)
                continue
            }
            if case .success = result { process.demonitor(tag, flush: false) }
            results[entry.pid] = result
        }
        // A target that answered or timed out just before it died leaves a
        // 'DOWN' (demonitor above does not flush): removed in one pass.
        let strays = Set(monitors)
        while try await process.receive(timeout: .zero, matching: { message -> Bool? in
            guard case .tuple(let e) = message, e.count == 5, e[0] == .atom(Atom.down),
                  case .ref(let tag) = e[1], strays.contains(tag) else { return nil }
            return true
        }) != nil {}
        return results
    }
}
