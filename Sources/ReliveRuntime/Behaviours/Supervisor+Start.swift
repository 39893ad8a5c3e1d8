@_spi(Runtime) import ReliveKit
import Logging

extension Supervisor {
    /// Starts a supervisor running the current version of `module` from the
    /// node's module table (`supervisor:start_link/3` when `link`). Returns
    /// once every child has started, in order.
    /// - Throws: ``StartError``: `{shutdown, {failed_to_start_child, Id, Reason}}`
    ///   (the children started so far are stopped again), a bad spec, or the
    ///   error `init` threw. Nothing is left running.
    public static func start(_ module: Atom, args: Term = .list([]), name: Atom? = nil, link: Bool = true,
                             timeout: Duration? = nil, from starter: LocalProcess) async throws -> StartResult {
        let loaded = try ProcLib.currentModule(module, of: starter)
        guard case .supervisor(let callbacks) = loaded.code else { throw ProcLib.badBehaviour(loaded) }
        let parent = starter.pid
        return try await ProcLib.start(from: starter, link: link, timeout: timeout) { process, ack in
            try await SupervisorLoop.run(callbacks, module: loaded, args: args, name: name, parent: parent,
                                         process: process, ack: ack)
        }
    }
}

/// The supervisor's receive loop.
enum SupervisorLoop {
    static func run(_ callbacks: any SupervisorBehaviour, module: LoadedModule, args: Term, name: Atom?, parent: Pid,
                    process: LocalProcess, ack: ProcLib.Ack) async throws {
        process.trapExit = true
        try ProcLib.register(name, process, ack: ack)
        let core: SupervisorCore
        do {
            guard let spec = try callbacks.initialize(args) else {
                ack.ignored()
                throw ProcessExit(.normal)
            }
            core = try SupervisorCore(module: module, callbacks: callbacks, args: args, spec: spec)
        } catch let exit as ProcessExit {
            throw exit
        } catch {
            let reason = (error as? StartError)?.reason ?? ExitReason.from(error)
            ack.failed(reason)
            throw ProcessExit(reason)
        }
        if let failure = await core.startAll(process: process) {
            ack.failed(failure)
            throw ProcessExit(failure)
        }
        process.runtime.modules.attach(process, to: module)
        defer { process.runtime.modules.detach(process, from: module.name) }
        ack.started()
        try await loop(core, parent: parent, process: process)
    }

    private static func loop(_ initial: SupervisorCore, parent: Pid, process: LocalProcess) async throws {
        var core: any BehaviourCore = initial
        var system = SystemState(parent: parent)
        let parentTerm = Term.pid(parent)
        while true {
            guard let sup = core as? SupervisorCore else { throw ProcessExit(.atom("bad_core")) }
            let message = try await system.nextMessage(from: process)
            if let (from, request) = SystemState.systemRequest(message) {
                if let reason = SystemState.terminateRequest(request) {
                    // sys:terminate / gen_server:stop of a supervisor: its children go first.
                    await sup.terminateAll(process: process)
                    throw ProcessExit(reason)
                }
                await system.handle(request, from: from, core: &core, process: process)
                continue
            }
            system.noteIn(message)
            guard case .tuple(let e) = message, let first = e.first else { continue }
            if first == .atom(Atom.exit), e.count == 3, case .pid(let from) = e[1] {
                if e[1] == parentTerm {
                    await sup.terminateAll(process: process)
                    throw ProcessExit(e[2])
                }
                if await sup.childExited(from, reason: e[2], process: process) == .shutdown {
                    await sup.terminateAll(process: process)
                    throw ProcessExit(.atom(Atom.shutdown))
                }
                continue
            }
            if first == .atom(GenServerLabels.call), e.count == 3, let from = CallFrom(e[1]) {
                let reply = await handleCall(e[2], core: sup, process: process)
                from.reply(reply)
                system.noteOut(reply, to: from)
            }
        }
    }

    static func error(_ reason: Term) -> Term { .tuple([.atom(Atom.error), reason]) }
    static func okPid(_ pid: Pid?) -> Term { .tuple([.ok, pid.map(Term.pid) ?? .undefined]) }

    static func handleCall(_ request: Term, core: SupervisorCore, process: LocalProcess) async -> Term {
        switch request {
        case .atom(let a) where a.name == "which_children":
            if let template = core.template {
                return .list(core.dynamic.keys.sorted().map {
                    .tuple([.undefined, .pid($0), .atom(template.type.rawValue), .list(template.modules.map(Term.atom))])
                })
            }
            return .list(core.children.map { child in
                .tuple([child.spec.id, child.pid.map(Term.pid) ?? .undefined, .atom(child.spec.type.rawValue),
                        .list(child.spec.modules.map(Term.atom))])
            })
        case .atom(let a) where a.name == "count_children":
            let specs: [ChildSpec] = core.template.map { t in Array(repeating: t, count: core.dynamic.count) }
                ?? core.children.map(\.spec)
            let active = core.template != nil ? core.dynamic.count : core.children.filter { $0.pid != nil }.count
            return .list([
                .tuple([.atom("specs"), .int(core.template != nil ? 1 : core.children.count)]),
                .tuple([.atom("active"), .int(active)]),
                .tuple([.atom("supervisors"), .int(specs.filter { $0.type == .supervisor }.count)]),
                .tuple([.atom("workers"), .int(specs.filter { $0.type == .worker }.count)]),
            ])
        default:
            break
        }
        guard case .tuple(let e) = request, e.count == 2, case .atom(let op) = e[0] else {
            return error(.tuple([.atom("bad_request"), request]))
        }
        switch op.name {
        case "start_child": return await startChild(e[1], core: core, process: process)
        case "terminate_child": return await terminateChild(e[1], core: core, process: process)
        case "restart_child": return await restartChild(e[1], core: core, process: process)
        case "delete_child": return deleteChild(e[1], core: core)
        case "get_childspec":
            if let template = core.template { return .tuple([.ok, template.term ?? .undefined]) }
            guard let child = core.children.first(where: { $0.spec.id == e[1] }) else { return error(.atom("not_found")) }
            return .tuple([.ok, child.spec.term ?? .undefined])
        default:
            return error(.tuple([.atom("bad_request"), request]))
        }
    }

    private static func startChild(_ arg: Term, core: SupervisorCore, process: LocalProcess) async -> Term {
        if let template = core.template {
            guard case .list(let extra) = arg else { return error(.tuple([.atom("bad_args"), arg])) }
            switch await core.start(template, extraArgs: extra, process: process) {
            case .success(let pid):
                if let pid { core.dynamic[pid] = extra }
                return okPid(pid)
            case .failure(let failure):
                return error(failure.reason)
            }
        }
        let spec: ChildSpec
        do { spec = try ChildSpec(term: arg) } catch { return self.error(.tuple([.atom("invalid_child_spec"), arg])) }
        if let existing = core.children.first(where: { $0.spec.id == spec.id }) {
            if let pid = existing.pid { return error(.tuple([.atom("already_started"), .pid(pid)])) }
            return error(.atom("already_present"))
        }
        switch await core.start(spec, process: process) {
        case .success(let pid):
            if pid != nil || spec.restart != .temporary { core.children.append(.init(spec: spec, pid: pid)) }
            return okPid(pid)
        case .failure(let failure):
            return error(failure.reason)
        }
    }

    private static func terminateChild(_ id: Term, core: SupervisorCore, process: LocalProcess) async -> Term {
        if let template = core.template {
            // OTP: a non-pid is refused as `simple_one_for_one`, an unknown pid as `not_found`.
            guard case .pid(let pid) = id else { return error(.atom("simple_one_for_one")) }
            guard core.dynamic.removeValue(forKey: pid) != nil else { return error(.atom("not_found")) }
            await core.shutdown(pid, spec: template, process: process)
            return .ok
        }
        guard let index = core.children.firstIndex(where: { $0.spec.id == id }) else { return error(.atom("not_found")) }
        if let pid = core.children[index].pid {
            await core.shutdown(pid, spec: core.children[index].spec, process: process)
        }
        if core.children[index].spec.restart == .temporary {
            core.children.remove(at: index)
        } else {
            core.children[index].pid = nil
        }
        return .ok
    }

    private static func restartChild(_ id: Term, core: SupervisorCore, process: LocalProcess) async -> Term {
        if core.template != nil { return error(.atom("simple_one_for_one")) }
        guard let index = core.children.firstIndex(where: { $0.spec.id == id }) else { return error(.atom("not_found")) }
        if core.children[index].pid != nil { return error(.atom("running")) }
        switch await core.start(core.children[index].spec, process: process) {
        case .success(let pid):
            core.children[index].pid = pid
            return okPid(pid)
        case .failure(let failure):
            return error(failure.reason)
        }
    }

    private static func deleteChild(_ id: Term, core: SupervisorCore) -> Term {
        if core.template != nil { return error(.atom("simple_one_for_one")) }
        guard let index = core.children.firstIndex(where: { $0.spec.id == id }) else { return error(.atom("not_found")) }
        if core.children[index].pid != nil { return error(.atom("running")) }
        core.children.remove(at: index)
        return .ok
    }
}
