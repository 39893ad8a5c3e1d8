import Logging
import ReliveCodeServer
import ReliveKit
import ReliveReleases
import ReliveRuntime

/// Runs a checked relup script on a live node (OTP's `release_handler_1`),
/// as one transaction until its end, past OTP's point of no return:
/// - every `suspend` of the script is one round: at the first, the
///   processes of all the script's suspended modules are suspended together,
///   each within its own module's timeout (`{suspend, [{Mod, T}]}`);
///   the `code_change`s that follow it with only `load`, `suspend`,
///   `resume` and other `code_change`s between join that round (each
///   process gets its suspend and its change_code back to back), the others
///   run where they stand; every `resume` is deferred to the commit, one
///   round at the end — one pause, not one per module;
/// - any failure before the commit (a plugin that does not load, a
///   `code_change` that throws or times out, a process that dies while
///   suspended, an `apply` that throws) stops what the script started,
///   reverts every touched process to its old code and state and resumes it,
///   restores the module table, restarts what it stopped, and throws a
///   ``ScriptError`` naming the instruction, the processes and the reason;
/// - what cannot be undone (killing processes by `purge` or a brutal
///   post-purge) runs after the commit.
///
/// In Relive a plugin holds a whole application version, so
/// `load_object_code` makes its modules current together (processes keep
/// running their version until they change code); `load` checks that, and
/// queues its post-purge. `code_change` runs the target version's
/// `code_change`, with old version `Vsn` (up) or `{down, Vsn}` (down), where
/// `Vsn` is the version the process ran.
public final class ScriptEvaluator {
    /// Timeouts and logging.
    public struct Options: Sendable {
        /// For `suspend` without a timeout, or with `default`.
        public var suspendTimeout: Duration = .seconds(5)
        public var changeTimeout: Duration = .seconds(5)
        public var resumeTimeout: Duration = .seconds(5)
        public init() {}
    }

    private let node: Node
    private let code: CodeServer
    private let options: Options
    private let logger: Logger

    /// Test hook, handed to the transaction.
    @_spi(Testing) public var beforeRound: ((UpgradePhase) async -> Void)? = nil

    public init(node: Node, code: CodeServer, options: Options = Options(), logger: Logger? = nil) {
        self.node = node
        self.code = code
        self.options = options
        self.logger = logger ?? node.logger
    }

    /// The undo log of one evaluation.
    private struct Undo {
        var loaded: [LoadedPlugin] = []
        var snapshots: [ModuleTable.Snapshot] = []
        var stopped: [(supervisor: Pid, id: Term)] = []
        var started: [(supervisor: Pid, id: Term)] = []
        var transaction: UpgradeTransaction? = nil
    }

    /// Evaluates `script` (checked by ``ScriptChecker``) from `caller`.
    /// - Parameter mode: `up` for an upgrade script, `down` for a downgrade one.
    /// - Throws: ``ScriptError`` after everything is rolled back.
    public func evaluate(_ script: CheckedScript, mode: ScriptMode = .up,
                         from caller: LocalProcess) async throws(ScriptError) -> EvaluationReport {
        let clock = ContinuousClock()
        let began = clock.now
        var report = EvaluationReport()
        var undo = Undo()
        var functions: [String: PluginFunction] = [:]
        var postPurges: [(Atom, CodeServer.Purge)] = []
        // Every module any suspend of the script names, each with its own
        // timeout (the longest, when it is named twice): one round, in which
        // each module's processes have their module's time.
        var suspendModules: [Atom] = []
        var suspendTimeouts: [Atom: Duration] = [:]
        for case .suspend(let targets) in script.instructions {
            for t in targets {
                let limit = t.timeout.map(duration) ?? options.suspendTimeout
                if let known = suspendTimeouts[t.module] { suspendTimeouts[t.module] = max(known, limit) }
                else { suspendModules.append(t.module); suspendTimeouts[t.module] = limit }
            }
        }
        var suspendedOnce = false
        // The code_change instructions already done in the first suspend's round.
        var changedEarly = Set<Int>()

        for (i, instruction) in script.instructions.enumerated() {
            let text = script.texts[i]
            let start = clock.now
            func failure(_ kind: String, _ message: String, _ processes: [ProcessFailure] = []) -> ScriptError {
                ScriptError(kind, message, index: i, instruction: text, processes: processes)
            }
            do {
                switch instruction {
                case .restartNewEmulator:
                    // First by the checker: nothing has changed yet.
                    report.restart = .restartNewEmulator
                    report.total = clock.now - began
                    logger.info("relup: restart_new_emulator: the node layer restarts the node on the new release")
                    return report
                case .restartEmulator:
                    report.restart = .restartEmulator
                case .pointOfNoReturn:
                    break   // Relive stays transactional until the commit
                case .loadObjectCode(let app, let vsn, _):
                    guard let entry = script.plugins.first(where: { $0.application == app.name && $0.version == vsn }) else {
                        throw failure("no_object_code", "no plugin located for \(app)-\(vsn)")
                    }
                    let plugin: LoadedPlugin
                    if let existing = code.plugins.first(where: { $0.application == app.name && $0.version == vsn }) {
                        // Loaded before (a downgrade to it): make it current again.
                        undo.snapshots.append(node.modules.snapshot(existing.modules.map(\.name)))
                        do { try node.modules.activate(existing.modules) } catch {
                            throw failure("load_object_code_failed", "\(app)-\(vsn): \(error)")
                        }
                        plugin = existing
                    } else {
                        do { plugin = try code.load(pluginAt: entry.path, purge: .soft, expectedSHA256: entry.sha256) } catch {
                            throw failure("load_object_code_failed", "\(error)")
                        }
                        undo.loaded.append(plugin)
                    }
                    // From the descriptor of the file that was checked: the path is never opened again.
                    for f in plugin.functions { functions["\(f.module):\(f.name)"] = f }
                case .load(let module, _, let post):
                    guard node.modules.current(module) != nil else {
                        throw failure("no_such_module", "\(module) has no loaded code")
                    }
                    postPurges.append((module, post == .brutalPurge ? .brutal : .soft))
                case .remove(let module, _, let post):
                    undo.snapshots.append(node.modules.snapshot([module]))
                    if node.modules.old(module) != nil { _ = try? code.purge(module, mode: .soft) }
                    do { try node.modules.delete(module) } catch { throw failure("remove_failed", "\(module): \(error)") }
                    postPurges.append((module, post == .brutalPurge ? .brutal : .soft))
                case .purge(let modules):
                    for m in modules { postPurges.append((m, .brutal)) }
                case .suspend(let targets):
                    let tx = transaction(&undo, caller)
                    let modules = suspendedOnce ? targets.map(\.module) : suspendModules
                    let first = !suspendedOnce
                    suspendedOnce = true
                    // A process running two of the modules gets the longer timeout.
                    var index: [Pid: Int] = [:]
                    var pids: [Pid] = []
                    var timeouts: [Duration] = []
                    for m in modules {
                        let limit = suspendTimeouts[m] ?? options.suspendTimeout
                        for u in node.modules.users(of: m) {
                            if let i = index[u.pid] { timeouts[i] = max(timeouts[i], limit); continue }
                            index[u.pid] = pids.count
                            pids.append(u.pid)
                            timeouts.append(limit)
                        }
                    }
                    // The code changes up to the next instruction that needs the
                    // processes merely suspended go in the same round (`load`
                    // only checks and queues its purge; `resume` waits for the commit).
                    let early = first && beforeRound == nil
                        ? Self.pipelinedChanges(after: i, in: script.instructions, mode: mode) : []
                    if early.isEmpty {
                        do { try await tx.suspend(pids, timeouts: timeouts) } catch {
                            throw failure("suspend_failed", "\(error)", error.failures)
                        }
                    } else {
                        do {
                            try await tx.suspend(pids, timeouts: timeouts, changing: early.flatMap(\.changes),
                                                 changeTimeout: options.changeTimeout)
                        } catch {
                            // Named after the first process that failed: its suspend, or
                            // the code_change of the module it runs (on its old version again).
                            guard let firstFailure = error.failures.first, firstFailure.phase == .changeCode else {
                                throw failure("suspend_failed", "\(error)", error.failures)
                            }
                            let at = early.first { step in
                                step.changes.contains { node.modules.users(of: $0.module).contains { $0.pid == firstFailure.pid } }
                            }?.index ?? early[0].index
                            throw ScriptError("code_change_failed", "\(error)", index: at, instruction: script.texts[at],
                                              processes: error.failures)
                        }
                        changedEarly.formUnion(early.map(\.index))
                    }
                case .resume:
                    break   // one resume round, at the commit
                case .codeChange(_, _) where changedEarly.contains(i):
                    break   // changed in the first suspend's round
                case .codeChange(let scriptMode, let changes):
                    let tx = transaction(&undo, caller)
                    let down = (scriptMode ?? mode) == .down
                    for change in changes {
                        do {
                            try await tx.changeCode(module: change.module, down: down, extra: change.extra,
                                                    timeout: options.changeTimeout)
                        } catch {
                            throw failure("code_change_failed", "\(change.module): \(error)", error.failures)
                        }
                    }
                case .stop(let modules):
                    for child in try await children(running: modules, caller) {
                        try await Supervisor.terminateChild(child.supervisor, child.id, process: caller)
                        undo.stopped.append(child)
                    }
                case .start(let modules):
                    let wanted = Set(modules)
                    var still: [(supervisor: Pid, id: Term)] = []
                    for child in undo.stopped {
                        let spec = try await Supervisor.childSpec(child.supervisor, child.id, process: caller)
                        if wanted.contains(where: { spec.modules.contains($0) }) || modules.isEmpty {
                            _ = try await Supervisor.restartChild(child.supervisor, child.id, process: caller)
                            undo.started.append(child)
                        } else {
                            still.append(child)
                        }
                    }
                    undo.stopped = still
                case .apply(let module, let function, let arguments):
                    guard let f = functions["\(module):\(function)"] ?? lookUp(module, function) else {
                        throw failure("undef", "no plugin exports \(module):\(function)")
                    }
                    do { _ = try f.body(.list(arguments)) } catch {
                        throw failure("apply_failed", "\(module):\(function) threw \(error)")
                    }
                case .syncNodes, .other:
                    throw failure("not_supported", "\(text) is not supported")
                }
            } catch let error as ScriptError {
                throw await rollBack(undo, error, caller)
            } catch {
                throw await rollBack(undo, failure("instruction_failed", "\(error)"), caller)
            }
            let took = clock.now - start
            report.steps.append(.init(index: i, instruction: text, duration: took))
            logger.debug("relup: step", metadata: ["index": "\(i)", "instruction": "\(text)", "ms": "\(UpgradeTimings.ms(took))"])
        }

        // Commit: one resume round; from here on nothing is rolled back.
        if let tx = undo.transaction {
            let commit = await tx.commit(timeout: options.resumeTimeout)
            report.resumeFailures = commit.resumeFailures
            report.timings = commit.timings
            report.processes = tx.processes.count
        }
        for (module, mode) in postPurges {
            if mode == .brutal { report.purged += (try? code.purge(module, mode: .brutal)) ?? [] }
            else { _ = try? code.purge(module, mode: .soft) }   // still in use: left for make_permanent
        }
        report.total = clock.now - began
        logger.info("relup: committed", metadata: ["summary": "\(report)"])
        return report
    }

    /// The code changes that may join the suspend round at `index`: those of
    /// the `code_change` instructions that follow it with only `load`,
    /// `suspend`, `resume` and other `code_change`s in between, each with
    /// its instruction's index. Another instruction (an `apply`, a `stop`, …)
    /// may expect the processes suspended on their old code: the changes
    /// after it are left to their own rounds.
    static func pipelinedChanges(after index: Int, in instructions: [RelupInstruction],
                                 mode: ScriptMode) -> [(index: Int, changes: [ModuleChange])] {
        var out: [(index: Int, changes: [ModuleChange])] = []
        for j in instructions.indices.dropFirst(index + 1) {
            switch instructions[j] {
            case .load, .suspend, .resume: continue
            case .codeChange(let scriptMode, let changes):
                let down = (scriptMode ?? mode) == .down
                out.append((j, changes.map { ModuleChange(module: $0.module, down: down, extra: $0.extra) }))
            default: return out
            }
        }
        return out
    }

    private func transaction(_ undo: inout Undo, _ caller: LocalProcess) -> UpgradeTransaction {
        if let tx = undo.transaction { return tx }
        let tx = UpgradeTransaction(node: node, caller: caller, logger: logger)
        tx.beforeRound = beforeRound
        undo.transaction = tx
        return tx
    }

    /// Undoes everything in `undo`, in reverse: children started are stopped,
    /// processes reverted and resumed, the module table restored, children
    /// stopped restarted (on the old code).
    private func rollBack(_ undo: Undo, _ error: ScriptError, _ caller: LocalProcess) async -> ScriptError {
        var error = error
        logger.warning("relup: rolling back", metadata: ["error": "\(error)"])
        for child in undo.started.reversed() { try? await Supervisor.terminateChild(child.supervisor, child.id, process: caller) }
        if let tx = undo.transaction {
            let report = await tx.rollBack(timeout: options.resumeTimeout)
            if !(report.unreverted.isEmpty && report.unresumed.isEmpty) { error.rollback = report }
            else { error.rollback = error.rollback ?? report }
        }
        for plugin in undo.loaded.reversed() { code.rollBack(plugin) }
        for snapshot in undo.snapshots.reversed() { node.modules.restore(snapshot) }
        for child in (undo.stopped + undo.started) {
            _ = try? await Supervisor.restartChild(child.supervisor, child.id, process: caller)
        }
        return error
    }

    /// The supervisor and child id of each process running one of `modules`.
    private func children(running modules: [Atom], _ caller: LocalProcess) async throws -> [(supervisor: Pid, id: Term)] {
        var out: [(supervisor: Pid, id: Term)] = []
        var bySupervisor: [Pid: [Supervisor.Child]] = [:]
        for module in modules {
            for user in node.modules.users(of: module) {
                let status = try await Sys.getStatus(user.pid, process: caller)
                guard case .tuple(let s) = status, s.count == 4, let info = s[3].listElements,
                      let parent = info.lazy.compactMap({ item -> Pid? in
                          guard case .tuple(let kv) = item, kv.count == 2, kv[0] == .atom("parent") else { return nil }
                          return kv[1].pidValue
                      }).first else { continue }
                if bySupervisor[parent] == nil { bySupervisor[parent] = try await Supervisor.whichChildren(parent, process: caller) }
                if let child = bySupervisor[parent]?.first(where: { $0.pid == user.pid }) { out.append((parent, child.id)) }
            }
        }
        return out
    }

    /// A function exported by the plugin that holds `module`'s current code.
    private func lookUp(_ module: Atom, _ function: Atom) -> PluginFunction? {
        guard let app = node.modules.current(module)?.application,
              let plugin = code.plugins.first(where: { $0.application == app && $0.version == node.modules.current(module)?.version }),
              let descriptor = try? DynamicLibrary(path: plugin.path).descriptor() else { return nil }
        return descriptor.functions.first { $0.module == module.name && $0.name == function.name }
    }

    private func duration(_ timeout: RelupInstruction.Timeout) -> Duration {
        switch timeout {
        case .default: options.suspendTimeout
        case .infinity: .seconds(86_400)
        case .milliseconds(let ms): .milliseconds(ms)
        }
    }
}
