@_spi(Runtime) import ReliveKit
import DequeModule
import Logging

/// A supervisor's children and restart bookkeeping (OTP's supervisor
/// `#state{}`), and the operations on them: starting, restarting by
/// strategy, ordered shutdown.
final class SupervisorCore: BehaviourCore, @unchecked Sendable {
    struct Child {
        var spec: ChildSpec
        var pid: Pid?
    }

    let module: LoadedModule
    let callbacks: any SupervisorBehaviour
    let args: Term
    var flags: SupervisorFlags
    /// Static children, in start order (all strategies but simple_one_for_one).
    var children: [Child] = []
    /// simple_one_for_one: the template and the running children with their extra args.
    var template: ChildSpec?
    var dynamic: [Pid: [Term]] = [:]
    /// Times of recent restarts, for the intensity check.
    var restarts: Deque<ContinuousClock.Instant> = []

    init(module: LoadedModule, callbacks: any SupervisorBehaviour, args: Term, spec: SupervisorSpec) throws {
        self.module = module
        self.callbacks = callbacks
        self.args = args
        self.flags = spec.flags
        try Self.validate(spec)
        if spec.flags.strategy == .simpleOneForOne {
            template = spec.children.first
        } else {
            children = spec.children.map { Child(spec: $0, pid: nil) }
        }
    }

    var isSimple: Bool { flags.strategy == .simpleOneForOne }

    static func validate(_ spec: SupervisorSpec) throws {
        if spec.flags.intensity < 0 { throw StartError(.tuple([.atom("invalid_intensity"), .int(spec.flags.intensity)])) }
        if spec.flags.period <= .zero { throw StartError(.atom("invalid_period")) }
        if spec.flags.strategy == .simpleOneForOne && spec.children.count != 1 {
            throw StartError(.atom("bad_start_spec"))
        }
        var seen = Set<Term>()
        for child in spec.children where !seen.insert(child.id).inserted {
            throw StartError(.tuple([.atom("duplicate_child_name"), child.id]))
        }
    }

    // MARK: BehaviourCore

    var behaviour: BehaviourKind { .supervisor }

    func exportState() -> Term {
        let running: [Term] = isSimple
            ? dynamic.keys.sorted().map { .tuple([.undefined, .pid($0)]) }
            : children.map { .tuple([$0.spec.id, $0.pid.map(Term.pid) ?? .undefined]) }
        return .map(TermMap([
            .atom("strategy"): .atom(flags.strategy.rawValue),
            .atom("intensity"): .int(flags.intensity),
            .atom("children"): .list(running),
        ]))
    }

    func formatStatus() -> Term { exportState() }

    func replacingState(with term: Term) throws -> any BehaviourCore {
        throw StartError(.atom("supervisor_state_cannot_be_replaced"))
    }

    /// OTP's supervisor code change: run the new version's `init` again and
    /// take its flags and specs. Running children keep running (their new spec
    /// applies at their next restart); children new in the specs are added but
    /// not started; children missing from them keep their old spec.
    func changingCode(to newModule: LoadedModule, oldVersion: Term, extra: Term,
                      process: LocalProcess) async throws -> any BehaviourCore {
        guard case .supervisor(let newCallbacks) = newModule.code else {
            throw WrongBehaviour(module: newModule, expected: .supervisor)
        }
        guard let spec = try newCallbacks.initialize(args) else { throw StartError(.atom("ignore_in_code_change")) }
        if (spec.flags.strategy == .simpleOneForOne) != isSimple { throw StartError(.atom("changed_strategy_kind")) }
        let changed = try SupervisorCore(module: newModule, callbacks: newCallbacks, args: args, spec: spec)
        changed.restarts = restarts
        if isSimple {
            changed.dynamic = dynamic
        } else {
            // Ids are unique (validated): a table keeps this linear for
            // supervisors of thousands of static children.
            var newSpecs: [Term: ChildSpec] = [:]
            newSpecs.reserveCapacity(spec.children.count)
            for newSpec in spec.children { newSpecs[newSpec.id] = newSpec }
            var merged: [Child] = []
            merged.reserveCapacity(max(children.count, spec.children.count))
            for child in children {
                if let newSpec = newSpecs[child.spec.id] {
                    merged.append(Child(spec: newSpec, pid: child.pid))
                } else {
                    merged.append(child)
                }
            }
            let known = Set(children.map(\.spec.id))
            for newSpec in spec.children where !known.contains(newSpec.id) {
                merged.append(Child(spec: newSpec, pid: nil))
            }
            changed.children = merged
        }
        return changed
    }

    // MARK: Starting

    /// Starts one child; nil pid for `ignore`.
    func start(_ spec: ChildSpec, extraArgs: [Term] = [], process: LocalProcess) async -> Result<Pid?, StartError> {
        do {
            switch spec.start {
            case .module(let module, let args, let name):
                var startArgs = args
                if !extraArgs.isEmpty {
                    guard case .list(let base) = args else {
                        return .failure(StartError(.tuple([.atom("bad_args"), args])))
                    }
                    startArgs = .list(base + extraArgs)
                }
                let result = try await BehaviourStarter.start(module, args: startArgs, name: name, link: true, from: process)
                if let pid = result.pid { progress(spec, pid, process) }
                return .success(result.pid)
            case .function(let startFunction):
                let pid = try await startFunction(process, extraArgs)
                if let pid { progress(spec, pid, process) }
                return .success(pid)
            @unknown default:
                return .failure(StartError(.atom("unsupported_start")))
            }
        } catch let error as StartError {
            return .failure(error)
        } catch {
            return .failure(StartError(ExitReason.from(error)))
        }
    }

    /// Starts the static children in order; on a failure stops those started
    /// (in reverse) and returns `{shutdown, {failed_to_start_child, Id, Reason}}`.
    func startAll(process: LocalProcess) async -> Term? {
        for i in children.indices {
            switch await start(children[i].spec, process: process) {
            case .success(let pid):
                children[i].pid = pid
            case .failure(let error):
                report("start_error", reason: error.reason, child: children[i].spec, pid: nil, process: process)
                await terminateAll(process: process)
                return .tuple([.atom(Atom.shutdown),
                               .tuple([.atom("failed_to_start_child"), children[i].spec.id, error.reason])])
            }
        }
        return nil
    }

    // MARK: Stopping

    /// Stops every child: static ones in reverse start order, dynamic ones all at once.
    func terminateAll(process: LocalProcess) async {
        if let template {
            let pids = Array(dynamic.keys)
            dynamic.removeAll()
            await shutdownMany(pids, spec: template, process: process)
            return
        }
        for i in children.indices.reversed() {
            if let pid = children[i].pid {
                await shutdown(pid, spec: children[i].spec, process: process)
                children[i].pid = nil
            }
        }
        children.removeAll { $0.spec.restart == .temporary }
    }

    /// Stops one child as its spec says (OTP's supervisor:shutdown/2).
    func shutdown(_ pid: Pid, spec: ChildSpec, process: LocalProcess) async {
        await shutdownMany([pid], spec: spec, process: process)
    }

    private func shutdownMany(_ pids: [Pid], spec: ChildSpec, process: LocalProcess) async {
        guard !pids.isEmpty else { return }
        var monitors: [Ref: Pid] = [:]
        /// Children that had already ended: the reason from their 'EXIT'.
        var alreadyExited: [Pid: Term] = [:]
        for pid in pids {
            monitors[process.monitor(pid)] = pid
            process.unlink(pid)
            let exitTerm = Term.pid(pid)
            process.removeMessages { m in
                guard m[element: 0] == .atom(Atom.exit) && m[element: 1] == exitTerm else { return false }
                alreadyExited[pid] = m[element: 2]
                return true
            }
        }
        let firstSignal: Term = spec.shutdown == .brutalKill ? .atom(Atom.kill) : .atom(Atom.shutdown)
        for pid in pids { process.exit(pid, reason: firstSignal) }
        let deadline: ContinuousClock.Instant? = {
            if case .timeout(let t) = spec.shutdown { return .now + t }
            return nil
        }()
        var killed = spec.shutdown == .brutalKill
        while !monitors.isEmpty {
            let remaining: Duration? = killed ? nil : deadline.map { max(.zero, $0 - .now) }
            let down = try? await process.receive(timeout: remaining) { m -> (Ref, Term)? in
                guard case .tuple(let e) = m, e.count == 5, e[0] == .atom(Atom.down), case .ref(let ref) = e[1],
                      monitors[ref] != nil else { return nil }
                return (ref, e[4])
            }
            if let (ref, downReason) = down {
                let pid = monitors.removeValue(forKey: ref)
                // A child that ended before we asked: its own reason, not noproc.
                let reason = pid.flatMap { alreadyExited[$0] } ?? downReason
                // OTP's rule: the expected reason, or a non-permanent child
                // that happened to end by itself; anything else (including a
                // kill after the shutdown timeout) is a shutdown_error.
                let expected: Term = spec.shutdown == .brutalKill ? .atom(Atom.killed) : .atom(Atom.shutdown)
                let benign = spec.restart != .permanent && (reason == .normal || reason == .atom(Atom.shutdown))
                if reason != expected && !benign {
                    report("shutdown_error", reason: reason, child: spec, pid: pid, process: process)
                }
                continue
            }
            if !process.isAlive { return }
            // The timeout passed: kill what is left.
            killed = true
            for pid in monitors.values { process.exit(pid, reason: .atom(Atom.kill)) }
        }
    }

    // MARK: Restarting

    enum RestartOutcome { case ok, shutdown }

    /// Records a restart; false when it exceeds the intensity.
    func addRestart() -> Bool {
        let now = ContinuousClock.now
        restarts.append(now)
        while let first = restarts.first, now - first > flags.period { restarts.removeFirst() }
        return restarts.count <= flags.intensity
    }

    /// Handles `{'EXIT', Pid, Reason}` from a child.
    func childExited(_ pid: Pid, reason: Term, process: LocalProcess) async -> RestartOutcome {
        if let template {
            guard let extra = dynamic.removeValue(forKey: pid) else { return .ok }
            guard needsRestart(template, reason: reason, pid: pid, process: process) else { return .ok }
            return await restartDynamic(template, extraArgs: extra, process: process)
        }
        guard let index = children.firstIndex(where: { $0.pid == pid }) else { return .ok }
        children[index].pid = nil
        let spec = children[index].spec
        guard needsRestart(spec, reason: reason, pid: pid, process: process) else {
            if spec.restart == .temporary { children.remove(at: index) }
            return .ok
        }
        return await restart(at: index, process: process)
    }

    private func needsRestart(_ spec: ChildSpec, reason: Term, pid: Pid, process: LocalProcess) -> Bool {
        switch spec.restart {
        case .permanent:
            report("child_terminated", reason: reason, child: spec, pid: pid, process: process)
            return true
        case .transient:
            if ExitReason.isNormal(reason) { return false }
            report("child_terminated", reason: reason, child: spec, pid: pid, process: process)
            return true
        case .temporary:
            if !ExitReason.isNormal(reason) {
                report("child_terminated", reason: reason, child: spec, pid: pid, process: process)
            }
            return false
        }
    }

    /// Restarts the child at `index` by the strategy; `.shutdown` when the
    /// intensity is exceeded.
    func restart(at index: Int, process: LocalProcess) async -> RestartOutcome {
        guard addRestart() else {
            report("reached_max_restart_intensity", reason: .atom(Atom.shutdown), child: children[index].spec,
                   pid: nil, process: process)
            return .shutdown
        }
        let id = children[index].spec.id
        switch flags.strategy {
        case .oneForOne, .simpleOneForOne:
            return await startOrRetry(indices: [index], process: process)
        case .oneForAll:
            for i in children.indices.reversed() where i != index {
                if let pid = children[i].pid {
                    await shutdown(pid, spec: children[i].spec, process: process)
                    children[i].pid = nil
                }
            }
            children.removeAll { $0.spec.restart == .temporary && $0.pid == nil && $0.spec.id != id }
            return await startOrRetry(indices: Array(children.indices), process: process)
        case .restForOne:
            for i in children.indices.reversed() where i > index {
                if let pid = children[i].pid {
                    await shutdown(pid, spec: children[i].spec, process: process)
                    children[i].pid = nil
                }
            }
            let kept = children.indices.filter { $0 <= index || children[$0].spec.restart != .temporary }
            children = kept.map { children[$0] }
            guard let start = children.firstIndex(where: { $0.spec.id == id }) else { return .ok }
            return await startOrRetry(indices: Array(start..<children.count), process: process)
        }
    }

    /// Starts the children at `indices` that are not running; when one fails,
    /// counts another restart and tries again (OTP's try_again), until the
    /// intensity is exceeded.
    private func startOrRetry(indices: [Int], process: LocalProcess) async -> RestartOutcome {
        for i in indices where i < children.count && children[i].pid == nil {
            while true {
                switch await start(children[i].spec, process: process) {
                case .success(let pid):
                    children[i].pid = pid
                case .failure(let error):
                    report("start_error", reason: error.reason, child: children[i].spec, pid: nil, process: process)
                    guard addRestart() else {
                        report("reached_max_restart_intensity", reason: .atom(Atom.shutdown),
                               child: children[i].spec, pid: nil, process: process)
                        return .shutdown
                    }
                    continue
                }
                break
            }
        }
        return .ok
    }

    private func restartDynamic(_ spec: ChildSpec, extraArgs: [Term], process: LocalProcess) async -> RestartOutcome {
        while true {
            guard addRestart() else {
                report("reached_max_restart_intensity", reason: .atom(Atom.shutdown), child: spec, pid: nil, process: process)
                return .shutdown
            }
            switch await start(spec, extraArgs: extraArgs, process: process) {
            case .success(let pid):
                if let pid { dynamic[pid] = extraArgs }
                return .ok
            case .failure(let error):
                report("start_error", reason: error.reason, child: spec, pid: nil, process: process)
            }
        }
    }

    // MARK: Reports

    func report(_ context: String, reason: Term, child: ChildSpec, pid: Pid?, process: LocalProcess) {
        var metadata: Logger.Metadata = [
            "supervisor": "\(process.registeredName.map { "\($0)" } ?? "\(process.pid)")",
            "errorContext": "\(context)", "reason": "\(reason)", "child_id": "\(child.id)",
        ]
        if let pid { metadata["offender"] = "\(pid)" }
        process.runtime.logger.error("supervisor report", metadata: metadata)
        let supervisor = process.registeredName.map { "\($0)" } ?? "\(process.pid)"
        switch context {
        case "child_terminated": process.runtime.health.childTerminated(supervisor: supervisor, child: child.id, reason: reason)
        case "reached_max_restart_intensity": process.runtime.health.supervisorGaveUp(supervisor: supervisor, child: child.id)
        default: break
        }
    }

    private func progress(_ spec: ChildSpec, _ pid: Pid, _ process: LocalProcess) {
        process.runtime.logger.debug("progress report: child started", metadata: [
            "supervisor": "\(process.pid)", "child_id": "\(spec.id)", "pid": "\(pid)",
        ])
    }
}
