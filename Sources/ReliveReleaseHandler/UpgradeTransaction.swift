import Logging
import ReliveKit
import ReliveRuntime

/// Moves processes onto new code as one transaction: every target is
/// suspended concurrently, changed, and then either resumed on its new code
/// (``commit(timeout:)``) or put back on its exact old code and state and
/// resumed (``rollBack(timeout:)``), with the module table restored by the
/// transaction itself.
///
/// Guarantees:
/// - every process a suspend request was sent to is sent a resume, whatever
///   happens: a refusal, a timeout, a death, or the caller itself being
///   killed (the remaining rounds then run from a helper process);
/// - before ``commit(timeout:)`` every failure rolls back; from the first
///   resume on, the change is committed and a process that fails to resume is
///   reported in ``CommitReport/resumeFailures``, never as a rollback;
/// - each phase is linear in the number of processes: the rounds are one
///   ``CallRounds`` (each process monitored once for the whole transaction,
///   per-process state in arrays indexed by it).
///
/// One transaction is used by one task; it is not `Sendable`.
public final class UpgradeTransaction {
    private let node: Node
    private let caller: LocalProcess
    private let logger: Logger
    private let restoreModules: () -> Void
    private var state = State.open
    /// Every process sent a suspend, in order: a process's index in
    /// `rounds.targets` is its index in the arrays below.
    private let rounds: CallRounds
    /// The processes known to be suspended (answered `ok`), by index.
    private var suspended: [Bool] = []
    /// Set once the caller could no longer take replies: the rest runs from helpers.
    private var callerExit: Term? = nil
    private let clock = ContinuousClock()
    private var firstSuspend: ContinuousClock.Instant? = nil
    public private(set) var timings = UpgradeTimings()

    /// Test hook: called before each round with its phase (e.g. to kill a target).
    @_spi(Testing) public var beforeRound: ((UpgradePhase) async -> Void)? = nil
    /// Test hook: called by ``commit(timeout:)`` once the runtime has released
    /// the processes, before the `resume` round that confirms them.
    @_spi(Testing) public var afterRelease: (() async -> Void)? = nil

    /// The transaction's life: a private state machine whose events say what to do.
    private enum State {
        case open, committed, rolledBack

        enum Action { case proceed, refuse(String) }

        func on(_ event: UpgradePhase) -> Action {
            switch (self, event) {
            case (.open, _): .proceed
            case (.committed, _): .refuse("the transaction is committed")
            case (.rolledBack, _): .refuse("the transaction is rolled back")
            }
        }
    }

    /// - Parameters:
    ///   - node: the node whose processes change.
    ///   - caller: the process that sends the sys requests.
    ///   - logger: each round is logged here (default: the node's logger).
    ///   - restoreModules: undoes what was loaded into the module table for
    ///     this change (e.g. `CodeServer.rollBack` of the new plugins); run by
    ///     ``rollBack(timeout:)`` after the processes are reverted.
    public init(node: Node, caller: LocalProcess, logger: Logger? = nil, restoreModules: @escaping () -> Void = {}) {
        self.node = node
        self.caller = caller
        self.logger = logger ?? node.logger
        self.restoreModules = restoreModules
        self.rounds = CallRounds(process: caller)
    }

    /// The processes sent a suspend so far.
    public var processes: [Pid] { rounds.targets }

    /// Suspends `pids` concurrently (one round). A process already gone
    /// (`noproc`) is left out; one that refuses, times out or dies during the
    /// round fails the transaction.
    /// - Throws: ``UpgradeFailure`` after rolling the whole transaction back.
    public func suspend(_ pids: [Pid], timeout: Duration) async throws(UpgradeFailure) {
        try await suspend(pids.map { (pid: $0, timeout: timeout) })
    }

    /// Suspends `targets` concurrently, in one round, each within its own
    /// timeout (e.g. its module's `{suspend, [{Mod, Timeout}]}`): the round
    /// waits for the slowest, and a process past its own timeout fails the
    /// transaction whatever the others' timeouts. Processes already touched
    /// are left out.
    /// - Throws: ``UpgradeFailure`` after rolling the whole transaction back.
    public func suspend(_ targets: [(pid: Pid, timeout: Duration)]) async throws(UpgradeFailure) {
        try await suspend(targets.map(\.pid), timeouts: targets.map(\.timeout))
    }

    /// ``suspend(_:)-(([(pid:Pid,timeout:Duration)]))`` with `pids[k]`'s
    /// timeout in `timeouts[k]`: the transaction keeps `pids` itself when
    /// they are its first processes, none named twice, so that no pid is
    /// copied (a copy is a write to a cold process's reference count).
    /// - Throws: ``UpgradeFailure`` after rolling the whole transaction back.
    public func suspend(_ pids: [Pid], timeouts: [Duration]) async throws(UpgradeFailure) {
        try check(.suspend)
        let fresh = try admit(pids, timeouts: timeouts)
        guard !fresh.isEmpty else { return }
        // Before the first request leaves: the processes serve on meanwhile,
        // so the monitors and the room for the answers cost the clients no pause.
        rounds.monitorAll()
        rounds.prepare(forAnswers: fresh.count)
        let start = clock.now
        if firstSuspend == nil { firstSuspend = start; timings.pauseStart = start }
        let results = await round(.suspend, fresh.map { ($0.target, .atom("suspend"), $0.timeout) })
        var failures: [ProcessFailure] = []
        for (member, result) in zip(fresh, results) {
            switch result {
            case .success(.ok): suspended[member.target] = true
            case .failure(.noproc): break   // gone before it could be suspended: not part of the change
            case .success(let reply):
                failures.append(ProcessFailure(pid: rounds.targets[member.target], phase: .suspend, reason: reply))
            case .failure(let error):
                failures.append(ProcessFailure(pid: rounds.targets[member.target], phase: .suspend, reason: error.reason))
            }
        }
        timings.suspend += clock.now - start
        logger.debug("upgrade: suspended", metadata: ["processes": "\(fresh.count)", "failed": "\(failures.count)",
                                                      "ms": "\(UpgradeTimings.ms(clock.now - start))"])
        if let exit = callerExit { throw await fail(.callerExited(exit)) }
        if !failures.isEmpty { throw await fail(.processes(failures)) }
    }

    /// Suspends `pids` and changes their code in the same round: a process
    /// that runs an old version of a module of `changing` is sent one
    /// `suspend_change_code` request, which it answers once, suspended and
    /// changed, and any further change right behind it; the others a
    /// `suspend`. The transaction waits once instead of twice, and sends and
    /// takes one message per process instead of two (the clients' pause
    /// loses a whole round). The outcome is that of
    /// ``suspend(_:timeouts:)`` followed by ``changeCode(module:down:extra:timeout:)``
    /// for each change: every process is suspended before it changes, none
    /// is resumed before all have changed, and any failure rolls all back.
    /// - Parameters:
    ///   - timeouts: `pids[k]`'s suspend timeout; its change's
    ///     `changeTimeout` counts from the moment it took the request, as the
    ///     process notes it (``LocalProcess/systemRequestTaken(by:since:)``):
    ///     one still waiting in its mailbox at the suspend timeout fails in
    ///     the suspend phase, one still changing past its change timeout in
    ///     the change phase, as with two requests.
    /// - Throws: ``UpgradeFailure`` after rolling the whole transaction back;
    ///   a live process on an old version of a changed module that is not
    ///   among `pids` fails it (`not_suspended`) before anything is sent.
    public func suspend(_ pids: [Pid], timeouts: [Duration], changing changes: [ModuleChange],
                        changeTimeout: Duration) async throws(UpgradeFailure) {
        try check(.suspend)
        let known = rounds.targets.count
        let fresh = try admit(pids, timeouts: timeouts)
        // Each target's suspend timeout (new ones), and its changes: (change, request).
        var suspendTimeout = [Duration?](repeating: nil, count: rounds.targets.count)
        for member in fresh { suspendTimeout[member.target] = member.timeout }
        // Each target's changes, in order (most have one; the rest go to
        // `moreChanges`), each request also in its suspend-and-change form.
        var changeOf = [(change: Int, request: Term, withSuspend: Term)?](repeating: nil, count: rounds.targets.count)
        var moreChanges: [Int: [(change: Int, request: Term)]] = [:]
        var changing = 0
        var failures: [ProcessFailure] = []
        for (c, change) in changes.enumerated() {
            let found = changeTargets(of: change, suspendedBefore: known)
            failures += found.failures
            let withSuspend = found.requests.map(Self.suspendChangeRequest)
            for (i, batch) in found.members {
                let request = found.requests[batch]
                if changeOf[i] == nil {
                    changeOf[i] = (c, request, withSuspend[batch])
                    changing += 1
                } else {
                    moreChanges[i, default: []].append((c, request))
                }
            }
        }
        if !failures.isEmpty { throw await fail(.processes(failures)) }
        // The round: for each process its suspend (if new) and its first
        // change, as one request when it has both, then its other changes.
        enum Kind { case suspend, change, both }
        var requests: [(target: Int, request: Term, timeout: Duration?)] = []
        var kinds: [Kind] = []
        requests.reserveCapacity(rounds.targets.count - known + changing)
        kinds.reserveCapacity(requests.capacity)
        func add(_ i: Int) {
            guard let first = changeOf[i] else {
                if let limit = suspendTimeout[i] {
                    requests.append((i, .atom("suspend"), limit))
                    kinds.append(.suspend)
                }
                return
            }
            if let limit = suspendTimeout[i] {
                // Its deadline is extended while it waits to be taken (up to
                // the suspend timeout) and once it is (the change timeout from then).
                requests.append((i, first.withSuspend, min(limit, changeTimeout)))
                kinds.append(.both)
            } else {
                requests.append((i, first.request, changeTimeout))
                kinds.append(.change)
            }
            for (_, request) in moreChanges[i] ?? [] {
                requests.append((i, request, changeTimeout))
                kinds.append(.change)
            }
        }
        for i in 0..<known where suspended[i] && changeOf[i] != nil { add(i) }
        for i in known..<rounds.targets.count { add(i) }
        guard !requests.isEmpty else { return }
        rounds.monitorAll()
        rounds.prepare(forAnswers: requests.count)
        let start = clock.now
        if firstSuspend == nil { firstSuspend = start; timings.pauseStart = start }
        timings.pipelined = true
        let targets = rounds.targets
        /// When the process of request `k` (a `suspend_change_code`) took it, if it has: then
        /// it is suspended, and its change's time runs from that moment.
        let taken: @Sendable (Int) -> ContinuousClock.Instant? = { [requests] k in
            LocalProcess.systemRequestTaken(by: targets[requests[k].target], since: start)
        }
        let results = await round(.suspend, requests) { [kinds, requests, suspendTimeout] k, sent in
            guard kinds[k] == .both else { return nil }
            if let at = taken(k) { return at + changeTimeout }
            return suspendTimeout[requests[k].target].map { sent + $0 }
        }
        // A process's first failure names it: a change after a failed suspend only says not_suspended.
        var failed = Set<Int>()
        var gone = Set<Int>()
        for (k, result) in results.enumerated() {
            let i = requests[k].target
            if failed.contains(i) || gone.contains(i) { continue }
            let phase: UpgradePhase
            switch kinds[k] {
            case .suspend: phase = .suspend
            case .change: phase = .changeCode
            case .both:
                // Answered: suspended (whatever the change's outcome). Not
                // answered: suspended only if it took the request.
                var answered = false
                if case .success = result { answered = true }
                if answered { suspended[i] = true }
                phase = answered || taken(k) != nil ? .changeCode : .suspend
            }
            switch result {
            case .success(.ok): if phase == .suspend { suspended[i] = true }
            case .failure(.noproc) where phase == .suspend: gone.insert(i)   // gone before it could be suspended
            case .success(let reply):
                failed.insert(i)
                failures.append(ProcessFailure(pid: rounds.targets[i], phase: phase, reason: reply))
            case .failure(let error):
                failed.insert(i)
                failures.append(ProcessFailure(pid: rounds.targets[i], phase: phase, reason: error.reason))
            }
        }
        timings.suspend += clock.now - start
        logger.debug("upgrade: suspended and changed", metadata: [
            "processes": "\(rounds.targets.count - known)", "changes": "\(changing)",
            "failed": "\(failures.count)", "ms": "\(UpgradeTimings.ms(clock.now - start))",
        ])
        if let exit = callerExit { throw await fail(.callerExited(exit)) }
        if !failures.isEmpty { throw await fail(.processes(failures)) }
    }

    /// Changes each target to the current version of its module (one
    /// request per process, batched by module and old version).
    /// - Parameters:
    ///   - targets: suspended processes, with the module and the version they run.
    ///   - extra: the `Extra` of `code_change`.
    /// - Throws: ``UpgradeFailure`` after rolling the whole transaction back
    ///   (a refusal, a timeout, a death while suspended, a target not suspended).
    public func changeCode(_ targets: [ChangeTarget], extra: Term, timeout: Duration) async throws(UpgradeFailure) {
        try check(.changeCode)
        struct Batch: Hashable { let module: Atom; let oldVersion: Term }
        var batches: [Batch: Int] = [:]
        var order: [(request: Term, members: [(target: Int, timeout: Duration?)])] = []
        var failures: [ProcessFailure] = []
        for target in targets {
            guard let i = rounds.index(of: target.pid), suspended[i] else {
                // Already gone before the suspend round, or never suspended: a dead one is skipped.
                if rounds.index(of: target.pid) != nil { continue }
                failures.append(ProcessFailure(pid: target.pid, phase: .changeCode, reason: .atom("not_suspended")))
                continue
            }
            let key = Batch(module: target.module, oldVersion: target.oldVersion)
            if let b = batches[key] { order[b].members.append((i, timeout)); continue }
            batches[key] = order.count
            order.append((Self.changeRequest(target.module, target.oldVersion, extra), [(i, timeout)]))
        }
        if !failures.isEmpty { throw await fail(.processes(failures)) }
        try await change(order)
    }

    /// Changes every process that runs a version of `module` other than the
    /// current one (each must be suspended in this transaction) to the
    /// current version: ``changeCode(_:extra:timeout:)`` with the targets
    /// found in the module table by identity, so that finding them touches
    /// no process (the scan runs inside the pause).
    /// - Parameters:
    ///   - down: the old version is given as `{down, Vsn}` (a downgrade).
    ///   - extra: the `Extra` of `code_change`.
    /// - Throws: ``UpgradeFailure`` after rolling the whole transaction back;
    ///   a live process on an old version that this transaction did not
    ///   suspend fails it (`not_suspended`).
    public func changeCode(module: Atom, down: Bool = false, extra: Term, timeout: Duration) async throws(UpgradeFailure) {
        try check(.changeCode)
        let found = changeTargets(of: ModuleChange(module: module, down: down, extra: extra),
                                  suspendedBefore: rounds.targets.count)
        if !found.failures.isEmpty { throw await fail(.processes(found.failures)) }
        var order = found.requests.map { (request: $0, members: [(target: Int, timeout: Duration?)]()) }
        for (i, batch) in found.members { order[batch].members.append((i, timeout)) }
        try await change(order)
    }

    /// The processes `change` moves: those running another version of its
    /// module than the current one, found in the module table by identity
    /// (no process touched), each with its batch: one `change_code` request
    /// per old version. A target below index `known` counts only if it was
    /// suspended (else it was gone before its suspend); one not in the
    /// transaction is a `not_suspended` failure if it is alive.
    private func changeTargets(of change: ModuleChange, suspendedBefore known: Int)
        -> (requests: [Term], members: [(target: Int, batch: Int)], failures: [ProcessFailure]) {
        guard let current = node.modules.current(change.module) else { return ([], [], []) }
        var batches: [ObjectIdentifier: Int] = [:]   // by the old version's module object
        var requests: [Term] = []
        var members: [(target: Int, batch: Int)] = []
        var failures: [ProcessFailure] = []
        for user in node.modules.users(of: change.module, notRunning: current.version) {
            guard let i = rounds.index(ofProcess: user.process) else {
                if let pid = node.modules.liveUser(user.serial, of: change.module) {
                    failures.append(ProcessFailure(pid: pid, phase: .changeCode, reason: .atom("not_suspended")))
                }
                continue
            }
            guard i >= known || suspended[i] else { continue }
            let key = ObjectIdentifier(user.module)
            let batch = batches[key] ?? {
                let v: Term = .string(user.module.version)
                requests.append(Self.changeRequest(change.module, change.down ? .tuple([.atom("down"), v]) : v, change.extra))
                batches[key] = requests.count - 1
                return requests.count - 1
            }()
            members.append((i, batch))
        }
        return (requests, members, failures)
    }

    /// Adds `pids` to the transaction (keeping the array itself when it can)
    /// and returns those new to it, each once, with its timeout.
    private func admit(_ pids: [Pid], timeouts: [Duration]) throws(UpgradeFailure) -> [(target: Int, timeout: Duration?)] {
        guard pids.count == timeouts.count else {
            throw UpgradeFailure(cause: .misuse("\(pids.count) processes but \(timeouts.count) timeouts"),
                                 rollback: RollbackReport(unreverted: [], unresumed: []), timings: timings)
        }
        let known = rounds.targets.count
        var fresh: [(target: Int, timeout: Duration?)] = []
        fresh.reserveCapacity(pids.count)
        if rounds.add(distinct: pids) {
            for k in pids.indices { fresh.append((known + k, timeouts[k])) }
        } else {
            var next = known
            for (i, timeout) in zip(rounds.add(pids), timeouts) where i == next {
                fresh.append((i, timeout))
                next += 1
            }
        }
        suspended.append(contentsOf: repeatElement(false, count: rounds.targets.count - known))
        return fresh
    }

    private static func changeRequest(_ module: Atom, _ oldVersion: Term, _ extra: Term) -> Term {
        .tuple([.atom("change_code"), .atom(module), oldVersion, extra])
    }

    /// `{suspend_change_code, Module, OldVsn, Extra}` for `{change_code, Module, OldVsn, Extra}`.
    private static func suspendChangeRequest(_ change: Term) -> Term {
        guard case .tuple(var e) = change, !e.isEmpty else { return change }
        e[0] = .atom("suspend_change_code")
        return .tuple(e)
    }

    /// The change rounds, one per batch; the first failure ends them.
    private func change(_ order: [(request: Term, members: [(target: Int, timeout: Duration?)])]) async throws(UpgradeFailure) {
        var failures: [ProcessFailure] = []
        let start = clock.now
        var count = 0
        for (request, members) in order {
            let results = await round(.changeCode, .listed(members.map { ($0.target, request, $0.timeout) }))
            count += members.count
            failures += Self.failures(results, of: { members[$0].target }, rounds.targets, phase: .changeCode, ignoringNoproc: false)
            if callerExit != nil || !failures.isEmpty { break }
        }
        timings.change += clock.now - start
        logger.debug("upgrade: code changed", metadata: ["processes": "\(count)", "failed": "\(failures.count)",
                                                         "ms": "\(UpgradeTimings.ms(clock.now - start))"])
        if let exit = callerExit { throw await fail(.callerExited(exit)) }
        if !failures.isEmpty { throw await fail(.processes(failures)) }
    }

    /// Commits: resumes every process on its new code. Never rolls back; a
    /// process that does not answer its resume (it died, or is busy: the
    /// resume waits in its mailbox) is reported.
    ///
    /// A behaviour process of this node is released first, without a
    /// message (``LocalProcess/releaseSuspension(of:)``: a store, and a
    /// wake-up only for one with messages waiting), and the pause ends once
    /// every process is; the `resume` round that follows, after the pause,
    /// confirms each (its answer, or its death, is reported) and has each
    /// drop its old state. A process the runtime cannot release (one that
    /// speaks `sys` itself) resumes on that round, and the pause lasts until it does.
    public func commit(timeout: Duration) async -> CommitReport {
        if case .refuse = state.on(.resume) { return CommitReport(resumeFailures: [], timings: timings) }
        state = .committed
        let start = clock.now
        if let hook = beforeRound { await hook(.resume) }
        var allReleased = true
        for (i, pid) in rounds.targets.enumerated() where suspended[i] {
            if !LocalProcess.releaseSuspension(of: pid) { allReleased = false }
        }
        let released = clock.now
        if allReleased, let first = firstSuspend { timings.pause = released - first }
        if let hook = afterRelease { await hook() }
        let results = await round(.resume, .all(.atom("resume"), timeout), hooked: false)
        let end = clock.now
        timings.resume += (allReleased ? released : end) - start
        if allReleased { timings.confirm += end - released }
        else if let first = firstSuspend { timings.pause = end - first }
        // After the pause: every process already serves again.
        rounds.close()
        // A death after the change is reported too: its supervisor restarts it on the new code.
        let failures = Self.failures(results, of: { $0 }, rounds.targets, phase: .resume, ignoringNoproc: false,
                                     only: suspended)
        if !failures.isEmpty {
            logger.warning("upgrade: committed, but some processes did not answer resume",
                           metadata: ["failed": "\(failures.count)", "first": "\(failures[0])"])
        }
        logger.debug("upgrade: resumed", metadata: ["processes": "\(results.count)", "ms": "\(UpgradeTimings.ms(clock.now - start))"])
        return CommitReport(resumeFailures: failures, timings: timings)
    }

    /// Rolls back: every touched process is put back on its old code and state
    /// (`revert_code`) and resumed, then the module table is restored.
    /// Answers that were not `ok` are reported (a busy process still gets
    /// both requests, in order, from its mailbox).
    public func rollBack(timeout: Duration) async -> RollbackReport {
        if case .refuse = state.on(.revert) { return RollbackReport(unreverted: [], unresumed: []) }
        state = .rolledBack
        let start = clock.now
        let reverted = await round(.revert, .all(.atom("revert_code"), timeout))
        let resumed = await round(.resume, .all(.atom("resume"), timeout))
        restoreModules()
        timings.revert += clock.now - start
        if let first = firstSuspend { timings.pause = clock.now - first }
        rounds.close()
        let pids = rounds.targets
        let report = RollbackReport(unreverted: Self.failures(reverted, of: { $0 }, pids, phase: .revert, ignoringNoproc: true),
                                    unresumed: Self.failures(resumed, of: { $0 }, pids, phase: .resume, ignoringNoproc: true))
        logger.info("upgrade: rolled back", metadata: ["processes": "\(pids.count)", "unreverted": "\(report.unreverted.count)",
                                                       "unresumed": "\(report.unresumed.count)",
                                                       "ms": "\(UpgradeTimings.ms(clock.now - start))"])
        return report
    }

    private func check(_ phase: UpgradePhase) throws(UpgradeFailure) {
        if case .refuse(let why) = state.on(phase) {
            throw UpgradeFailure(cause: .misuse(why), rollback: RollbackReport(unreverted: [], unresumed: []), timings: timings)
        }
    }

    private func fail(_ cause: UpgradeFailure.Cause) async -> UpgradeFailure {
        let report = await rollBack(timeout: .seconds(5))
        return UpgradeFailure(cause: cause, rollback: report, timings: timings)
    }

    /// A round's requests: listed, or one request to every process of the transaction.
    private enum Requests: Sendable {
        case listed([(target: Int, request: Term, timeout: Duration?)])
        case all(Term, Duration)

        var count: Int? { if case .listed(let r) = self { r.count } else { nil } }

        func run(_ rounds: CallRounds,
                 _ extend: (@Sendable (Int, ContinuousClock.Instant) -> ContinuousClock.Instant?)?) async throws -> [Result<Term, CallError>] {
            switch self {
            case .listed(let requests): try await rounds.call(requests, label: Sys.label, extending: extend)
            case .all(let request, let timeout): try await rounds.callAll(label: Sys.label, request: request, timeout: timeout)
            }
        }
    }

    private func round(_ phase: UpgradePhase, _ requests: [(target: Int, request: Term, timeout: Duration?)],
                       extending extend: (@Sendable (Int, ContinuousClock.Instant) -> ContinuousClock.Instant?)? = nil) async -> [Result<Term, CallError>] {
        await round(phase, .listed(requests), extending: extend)
    }

    /// One round of `rounds` (results in the order of the requests; for
    /// `.all`, of the processes). If the caller can no longer receive (it
    /// was killed), the round is sent again from a helper process: every
    /// request of this protocol is idempotent, so the targets see it at most twice.
    private func round(_ phase: UpgradePhase, _ requests: Requests, hooked: Bool = true,
                       extending extend: (@Sendable (Int, ContinuousClock.Instant) -> ContinuousClock.Instant?)? = nil) async -> [Result<Term, CallError>] {
        let count = requests.count ?? rounds.targets.count
        guard count > 0 else { return [] }
        if hooked, let hook = beforeRound { await hook(phase) }
        if callerExit == nil {
            do { return try await requests.run(rounds, extend) } catch {
                callerExit = (error as? ProcessExit)?.reason ?? .string("\(error)")
                logger.warning("upgrade: caller exited during \(phase.rawValue); finishing from a helper process",
                               metadata: ["reason": "\(callerExit ?? .undefined)"])
            }
        }
        let targets = rounds.targets
        let requests = requests
        do {
            return try await node.run { helper in
                let rounds = CallRounds(process: helper)
                defer { rounds.close() }
                rounds.add(targets)
                return try await requests.run(rounds, extend)
            }
        } catch {
            // The node is stopping: no process can be asked anything any more.
            return Array(repeating: .failure(.exited(.atom("no_answer"))), count: count)
        }
    }

    /// The processes whose answer was not `ok`: result `k` is process
    /// `target(k)`'s (of those with `only[i]` set, when given).
    private static func failures(_ results: [Result<Term, CallError>], of target: (Int) -> Int,
                                 _ pids: [Pid], phase: UpgradePhase, ignoringNoproc: Bool,
                                 only: [Bool]? = nil) -> [ProcessFailure] {
        var out: [ProcessFailure] = []
        for (k, result) in results.enumerated() {
            let i = target(k)
            if let only, !only[i] { continue }
            let pid = pids[i]
            switch result {
            case .success(.ok): break
            case .failure(.noproc) where ignoringNoproc: break
            case .success(let reply): out.append(ProcessFailure(pid: pid, phase: phase, reason: reply))
            case .failure(let error): out.append(ProcessFailure(pid: pid, phase: phase, reason: error.reason))
            }
        }
        return out
    }
}
