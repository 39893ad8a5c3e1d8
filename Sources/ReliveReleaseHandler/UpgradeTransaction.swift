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
/// - each phase is linear in the number of processes (sets and dictionaries
///   keyed by pid, one multi-request per batch).
///
/// One transaction is used by one task; it is not `Sendable`.
public final class UpgradeTransaction {
    private let node: Node
    private let caller: LocalProcess
    private let logger: Logger
    private let restoreModules: () -> Void
    private var state = State.open
    /// Every process sent a suspend, in order, and the same as a set.
    private var touched: [Pid] = []
    private var touchedSet: Set<Pid> = []
    /// The processes known to be suspended (answered `ok`).
    private var suspendedSet: Set<Pid> = []
    /// Set once the caller could no longer take replies: the rest runs from helpers.
    private var callerExit: Term? = nil
    private let clock = ContinuousClock()
    private var firstSuspend: ContinuousClock.Instant? = nil
    public private(set) var timings = UpgradeTimings()

    /// Test hook: called before each round with its phase (e.g. to kill a target).
    @_spi(Testing) public var beforeRound: ((UpgradePhase) async -> Void)? = nil

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
    }

    /// The processes sent a suspend so far.
    public var processes: [Pid] { touched }

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
        try check(.suspend)
        var fresh: [(pid: Pid, timeout: Duration?)] = []
        fresh.reserveCapacity(targets.count)
        for target in targets where touchedSet.insert(target.pid).inserted { fresh.append((target.pid, target.timeout)) }
        guard !fresh.isEmpty else { return }
        touched.append(contentsOf: fresh.lazy.map(\.pid))
        let start = clock.now
        if firstSuspend == nil { firstSuspend = start }
        let results = await round(.suspend, fresh, .atom("suspend"))
        var failures: [ProcessFailure] = []
        for (pid, _) in fresh {
            switch results[pid] {
            case .success(.ok)?: suspendedSet.insert(pid)
            case .failure(.noproc)?: break   // gone before it could be suspended: not part of the change
            case .success(let reply)?: failures.append(ProcessFailure(pid: pid, phase: .suspend, reason: reply))
            case .failure(let error)?: failures.append(ProcessFailure(pid: pid, phase: .suspend, reason: error.reason))
            case nil: failures.append(ProcessFailure(pid: pid, phase: .suspend, reason: .atom("no_answer")))
            }
        }
        timings.suspend += clock.now - start
        logger.debug("upgrade: suspended", metadata: ["processes": "\(fresh.count)", "failed": "\(failures.count)",
                                                      "ms": "\(UpgradeTimings.ms(clock.now - start))"])
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
        var batches: [Batch: [Pid]] = [:]
        var order: [Batch] = []
        var failures: [ProcessFailure] = []
        for target in targets {
            guard suspendedSet.contains(target.pid) else {
                // Already gone before the suspend round, or never suspended: a dead one is skipped.
                if touchedSet.contains(target.pid) { continue }
                failures.append(ProcessFailure(pid: target.pid, phase: .changeCode, reason: .atom("not_suspended")))
                continue
            }
            let key = Batch(module: target.module, oldVersion: target.oldVersion)
            if batches[key] == nil { order.append(key) }
            batches[key, default: []].append(target.pid)
        }
        if !failures.isEmpty { throw await fail(.processes(failures)) }
        let start = clock.now
        for key in order {
            guard let pids = batches[key] else { continue }
            let request: Term = .tuple([.atom("change_code"), .atom(key.module), key.oldVersion, extra])
            let results = await round(.changeCode, pids, request, timeout: timeout)
            for pid in pids {
                switch results[pid] {
                case .success(.ok)?: break
                case .success(let reply)?: failures.append(ProcessFailure(pid: pid, phase: .changeCode, reason: reply))
                case .failure(let error)?: failures.append(ProcessFailure(pid: pid, phase: .changeCode, reason: error.reason))
                case nil: failures.append(ProcessFailure(pid: pid, phase: .changeCode, reason: .atom("no_answer")))
                }
            }
            if callerExit != nil || !failures.isEmpty { break }
        }
        timings.change += clock.now - start
        logger.debug("upgrade: code changed", metadata: ["processes": "\(targets.count)", "failed": "\(failures.count)",
                                                         "ms": "\(UpgradeTimings.ms(clock.now - start))"])
        if let exit = callerExit { throw await fail(.callerExited(exit)) }
        if !failures.isEmpty { throw await fail(.processes(failures)) }
    }

    /// Commits: resumes every process on its new code. Never rolls back; a
    /// process that does not answer its resume (it died, or is busy: the
    /// resume waits in its mailbox) is reported.
    public func commit(timeout: Duration) async -> CommitReport {
        if case .refuse = state.on(.resume) { return CommitReport(resumeFailures: [], timings: timings) }
        state = .committed
        let start = clock.now
        let results = await round(.resume, touched, .atom("resume"), timeout: timeout)
        // A death after the change is reported too: its supervisor restarts it on the new code.
        let failures = Self.failures(results, touched, phase: .resume, ignoringNoproc: false)
            .filter { suspendedSet.contains($0.pid) }
        timings.resume += clock.now - start
        if let first = firstSuspend { timings.pause = clock.now - first }
        if !failures.isEmpty {
            logger.warning("upgrade: committed, but some processes did not answer resume",
                           metadata: ["failed": "\(failures.count)", "first": "\(failures[0])"])
        }
        logger.debug("upgrade: resumed", metadata: ["processes": "\(touched.count)", "ms": "\(UpgradeTimings.ms(clock.now - start))"])
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
        let reverted = await round(.revert, touched, .atom("revert_code"), timeout: timeout)
        let resumed = await round(.resume, touched, .atom("resume"), timeout: timeout)
        restoreModules()
        timings.revert += clock.now - start
        if let first = firstSuspend { timings.pause = clock.now - first }
        let report = RollbackReport(unreverted: Self.failures(reverted, touched, phase: .revert, ignoringNoproc: true),
                                    unresumed: Self.failures(resumed, touched, phase: .resume, ignoringNoproc: true))
        logger.info("upgrade: rolled back", metadata: ["processes": "\(touched.count)", "unreverted": "\(report.unreverted.count)",
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

    /// One multi-request round. If the caller can no longer receive (it was
    /// killed), the round is sent again from a helper process: every request
    /// of this protocol is idempotent, so the targets see it at most twice.
    private func round(_ phase: UpgradePhase, _ pids: [Pid], _ request: Term,
                       timeout: Duration) async -> [Pid: Result<Term, CallError>] {
        await round(phase, pids.map { (pid: $0, timeout: timeout) }, request)
    }

    /// One round with a timeout per process.
    private func round(_ phase: UpgradePhase, _ targets: [(pid: Pid, timeout: Duration?)],
                       _ request: Term) async -> [Pid: Result<Term, CallError>] {
        guard !targets.isEmpty else { return [:] }
        if let hook = beforeRound { await hook(phase) }
        if callerExit == nil {
            do { return try await Sys.multiRequest(targets, request, process: caller) } catch {
                callerExit = (error as? ProcessExit)?.reason ?? .string("\(error)")
                logger.warning("upgrade: caller exited during \(phase.rawValue); finishing from a helper process",
                               metadata: ["reason": "\(callerExit ?? .undefined)"])
            }
        }
        do {
            return try await node.run { helper in
                try await Sys.multiRequest(targets, request, process: helper)
            }
        } catch {
            // The node is stopping: no process can be asked anything any more.
            return [:]
        }
    }

    private static func failures(_ results: [Pid: Result<Term, CallError>], _ pids: [Pid], phase: UpgradePhase,
                                 ignoringNoproc: Bool) -> [ProcessFailure] {
        var out: [ProcessFailure] = []
        for pid in pids {
            switch results[pid] {
            case .success(.ok)?: break
            case .failure(.noproc)? where ignoringNoproc: break
            case .success(let reply)?: out.append(ProcessFailure(pid: pid, phase: phase, reason: reply))
            case .failure(let error)?: out.append(ProcessFailure(pid: pid, phase: phase, reason: error.reason))
            case nil: out.append(ProcessFailure(pid: pid, phase: phase, reason: .atom("no_answer")))
            }
        }
        return out
    }
}
