@_spi(Runtime) import ReliveKit
import Logging

extension GenEvent {
    /// Starts an event manager with no handlers (`gen_event:start_link/1`
    /// when `link`). The manager traps exits, as OTP's does, so that it
    /// learns when the owner of a supervised handler ends.
    /// - Parameters:
    ///   - name: registers the manager under this name.
    /// - Throws: ``StartError`` `{already_started, Pid}` when the name is taken.
    public static func start(name: Atom? = nil, link: Bool = true, timeout: Duration? = nil,
                             from starter: LocalProcess) async throws -> StartResult {
        let parent = starter.pid
        return try await ProcLib.start(from: starter, link: link, timeout: timeout) { process, ack in
            try await GenEventManager.run(name: name, parent: parent, process: process, ack: ack)
        }
    }
}

/// The event manager's loop (OTP's gen_event:loop/handle_msg): notifies
/// handlers, runs the requests that add, delete, swap and call them, removes
/// crashing handlers, and answers the sys protocol through ``SystemState``
/// with a ``GenEventManagerCore`` (so a code change applies to the handlers
/// of one module).
///
/// The manager is listed in the module table as a user of each handler
/// module it holds, under each module's name.
final class GenEventManager {
    private var core: any BehaviourCore
    private var system: SystemState
    private let parent: Pid
    private let process: LocalProcess
    /// The handler module names the process is attached to in the module table.
    private var attached: Set<Atom> = []
    private var lastMessage: Term = .undefined

    private init(parent: Pid, process: LocalProcess) {
        self.core = GenEventManagerCore()
        self.system = SystemState(parent: parent)
        self.parent = parent
        self.process = process
    }

    static func run(name: Atom?, parent: Pid, process: LocalProcess, ack: ProcLib.Ack) async throws {
        process.trapExit = true
        try ProcLib.register(name, process, ack: ack)
        let manager = GenEventManager(parent: parent, process: process)
        defer { for module in manager.attached { process.runtime.modules.detach(process, from: module) } }
        ack.started()
        try await manager.loop()
    }

    private var handlers: [GenEventEntry] {
        get { (core as? GenEventManagerCore)?.handlers ?? [] }
        set { (core as? GenEventManagerCore)?.handlers = newValue }
    }

    private func loop() async throws {
        while true {
            let message = try await system.nextMessage(from: process)
            if let (from, request) = SystemState.systemRequest(message) {
                // sys:terminate / gen_server:stop: as the parent's exit.
                if let reason = SystemState.terminateRequest(request) {
                    await terminateAll()
                    throw ProcessExit(reason)
                }
                await system.handle(request, from: from, core: &core, process: process)
                syncModules()
                continue
            }
            system.noteIn(message)
            lastMessage = message
            if case .tuple(let e) = message {
                if e.count == 2, e[0] == .atom("notify") {
                    try await notify(e[1], info: false)
                    continue
                }
                if e.count == 3, case .pid = e[0], let from = CallFrom(e[1]) {
                    if try await command(e[2], from: from) { continue }
                }
                if e.count == 3, e[0] == .atom(Atom.exit), case .pid(let pid) = e[1] {
                    if pid == parent {
                        await terminateAll()
                        throw ProcessExit(e[2])
                    }
                    // The owner of supervised handlers ended: they go; then
                    // the handlers see the exit as any other message.
                    for entry in handlers where entry.owner == pid {
                        _ = await remove(entry.id, arg: .tuple([.atom("stop"), e[2]]), ownerReason: .atom(Atom.shutdown))
                    }
                }
            }
            try await notify(message, info: true)
        }
    }

    // MARK: - Requests

    /// Runs a `{Caller, From, Command}` request; false when the command is not
    /// one (the message is then handed to the handlers as info, as in OTP).
    private func command(_ command: Term, from: CallFrom) async throws -> Bool {
        func reply(_ term: Term) {
            from.reply(term)
            system.noteOut(term, to: from)
        }
        switch command {
        case .atom("which_handlers"):
            reply(.list(handlers.map(\.id.term)))
        case .atom("get_modules"):
            let names = (core as? GenEventManagerCore)?.modules.map(\.name) ?? []
            reply(.list(names.sorted().map(Term.atom)))
        case .atom("stop"):
            await terminateAll()
            reply(.ok)
            throw ProcessExit(.normal)
        case .tuple(let e):
            switch (e.first, e.count) {
            case (.atom("sync_notify"), 2):
                try await notify(e[1], info: false)
                reply(.ok)
            case (.atom("add_handler"), 3):
                guard let id = GenEventHandlerID(e[1]) else { return false }
                reply(await add(id, args: e[2], owner: nil))
            case (.atom("add_sup_handler"), 4):
                guard let id = GenEventHandlerID(e[1]), case .pid(let owner) = e[3] else { return false }
                try? process.link(owner)
                reply(await add(id, args: e[2], owner: owner))
            case (.atom("delete_handler"), 3):
                guard let id = GenEventHandlerID(e[1]) else { return false }
                let result = await remove(id, arg: e[2], ownerReason: .normal)
                reply(result ?? .tuple([.atom(Atom.error), .atom("module_not_found")]))
            case (.atom("swap_handler"), 5):
                guard let old = GenEventHandlerID(e[1]), let new = GenEventHandlerID(e[3]) else { return false }
                reply(await swap(old, args1: e[2], new, args2: e[4], supervisor: nil))
            case (.atom("swap_sup_handler"), 6):
                guard let old = GenEventHandlerID(e[1]), let new = GenEventHandlerID(e[3]),
                      case .pid(let owner) = e[5] else { return false }
                try? process.link(owner)
                reply(await swap(old, args1: e[2], new, args2: e[4], supervisor: owner))
            case (.atom("call"), 3):
                guard let id = GenEventHandlerID(e[1]) else { return false }
                reply(try await call(id, e[2]))
            default:
                return false
            }
        default:
            return false
        }
        return true
    }

    /// add_handler / add_sup_handler: the new handler goes first.
    private func add(_ id: GenEventHandlerID, args: Term, owner: Pid?) async -> Term {
        switch await install(id, args: args, owner: owner) {
        case .success(let entry):
            handlers.insert(entry, at: 0)
            syncModules()
            return .ok
        case .failure(let failure):
            return failure.reply
        }
    }

    private func install(_ id: GenEventHandlerID, args: Term,
                         owner: Pid?) async -> Result<GenEventEntry, GenEventInstallFailure> {
        guard let module = process.runtime.modules.current(id.module) else {
            return .failure(GenEventInstallFailure(reply: .tuple([.atom(Atom.exit), .tuple([.atom("undef"), .atom(id.module)])])))
        }
        return await GenEventHandlerCore<NoHandler>.install(module, args: args, process: process)
            .map { GenEventEntry(id: id, handler: $0, owner: owner) }
    }

    /// Removes the handler `id`: terminate with `arg`, its owner told
    /// `{gen_event_EXIT, Id, ownerReason}`. nil when it is not installed.
    private func remove(_ id: GenEventHandlerID, arg: Term, ownerReason: Term) async -> Term? {
        guard let i = handlers.firstIndex(where: { $0.id == id }) else { return nil }
        let entry = handlers.remove(at: i)
        let result = await entry.handler.terminate(arg, process: process)
        tellOwner(entry, ownerReason)
        syncModules()
        return result
    }

    /// swap_handler / swap_sup_handler (OTP's server_swap_handler).
    private func swap(_ old: GenEventHandlerID, args1: Term, _ new: GenEventHandlerID, args2: Term,
                      supervisor: Pid?) async -> Term {
        var result: Term = .atom(Atom.error)
        var owner: Pid? = supervisor
        if let i = handlers.firstIndex(where: { $0.id == old }) {
            let entry = handlers.remove(at: i)
            result = await entry.handler.terminate(args1, process: process)
            // swap_handler: the new handler keeps the old one's owner.
            owner = supervisor ?? entry.owner
            tellOwner(entry, .tuple([.atom("swapped"), new.term, owner.map(Term.pid) ?? .atom(Atom.false)]))
        }
        defer { syncModules() }
        switch await install(new, args: .tuple([args2, result]), owner: owner) {
        case .success(let entry):
            handlers.insert(entry, at: 0)
            return .ok
        case .failure(let failure):
            return .tuple([.atom(Atom.error), failure.reply])
        }
    }

    /// gen_event:call to one handler.
    private func call(_ id: GenEventHandlerID, _ request: Term) async throws -> Term {
        guard let i = handlers.firstIndex(where: { $0.id == id }) else {
            return .tuple([.atom(Atom.error), .atom("bad_module")])
        }
        let entry = handlers[i]
        let result: GenEventCallResult
        do {
            result = try await entry.handler.handleCall(request, process: process)
        } catch let exit as ProcessExit where !process.isAlive {
            throw exit
        } catch {
            let reason = ExitReason.from(error)
            await crashed(entry, reason: reason, lastIn: request)
            handlers.removeAll { $0.id == id }
            syncModules()
            return .tuple([.atom(Atom.error), .tuple([.atom(Atom.exit), reason])])
        }
        switch result {
        case .ok(let reply):
            return reply
        case .removeHandler(let reply):
            _ = await remove(id, arg: .atom("remove_handler"), ownerReason: .normal)
            return reply
        case .swapHandler(let reply, let args1, let new, let args2):
            if let i = handlers.firstIndex(where: { $0.id == id }) {
                if let replacement = await swapInPlace(handlers[i], args1: args1, new, args2: args2) {
                    handlers[i] = replacement
                } else {
                    handlers.remove(at: i)
                }
                syncModules()
            }
            return reply
        @unknown default:
            return .tuple([.atom(Atom.error), .atom("bad_return_value")])
        }
    }

    // MARK: - Events

    /// notify / sync_notify (`handle_event`) and other messages (`handle_info`):
    /// each handler in turn; one that throws or answers remove_handler is
    /// removed, one that swaps is replaced in its place.
    private func notify(_ event: Term, info: Bool) async throws {
        var kept: [GenEventEntry] = []
        var changed = false
        for entry in handlers {
            let result: GenEventResult
            do {
                result = info ? try await entry.handler.handleInfo(event, process: process)
                              : try await entry.handler.handleEvent(event, process: process)
            } catch let exit as ProcessExit where !process.isAlive {
                throw exit
            } catch {
                await crashed(entry, reason: ExitReason.from(error), lastIn: event)
                changed = true
                continue
            }
            switch result {
            case .ok, .okHibernate:
                kept.append(entry)
            case .removeHandler:
                _ = await entry.handler.terminate(.atom("remove_handler"), process: process)
                tellOwner(entry, .normal)
                changed = true
            case .swapHandler(let args1, let new, let args2):
                if let replacement = await swapInPlace(entry, args1: args1, new, args2: args2) { kept.append(replacement) }
                changed = true
            @unknown default:
                kept.append(entry)
            }
        }
        handlers = kept
        if changed { syncModules() }
    }

    /// A swap a handler asked for (OTP's do_swap): the new handler takes the
    /// old one's place and owner.
    private func swapInPlace(_ entry: GenEventEntry, args1: Term, _ new: GenEventHandlerID,
                             args2: Term) async -> GenEventEntry? {
        let result = await entry.handler.terminate(args1, process: process)
        tellOwner(entry, .tuple([.atom("swapped"), new.term, entry.owner.map(Term.pid) ?? .atom(Atom.false)]))
        switch await install(new, args: .tuple([args2, result]), owner: entry.owner) {
        case .success(let replacement):
            return replacement
        case .failure(let failure):
            // OTP reports the new handler as crashed, to the log and its owner.
            report("gen_event handler crashed", handler: new, reason: failure.reply, lastIn: lastMessage, state: .undefined)
            entry.owner?.send(.tuple([.atom("gen_event_EXIT"), new.term, failure.reply]))
            return nil
        }
    }

    /// A handler threw: terminate `{error, {'EXIT', Reason}}`, report, tell its owner.
    private func crashed(_ entry: GenEventEntry, reason: Term, lastIn: Term) async {
        report("gen_event handler crashed", handler: entry.id, reason: reason, lastIn: lastIn, state: entry.handler.exportState())
        let exit: Term = .tuple([.atom(Atom.exit), reason])
        _ = await entry.handler.terminate(.tuple([.atom(Atom.error), exit]), process: process)
        tellOwner(entry, exit)
    }

    /// The manager stops: every handler is terminated with `stop`; owners
    /// are told `shutdown` and unlinked (but not the parent), so that the
    /// manager's exit does not take them down (OTP's do_unlink).
    private func terminateAll() async {
        for entry in handlers {
            _ = await entry.handler.terminate(.atom("stop"), process: process)
            tellOwner(entry, .atom(Atom.shutdown))
        }
        for owner in Set(handlers.compactMap(\.owner)) where owner != parent { process.unlink(owner) }
        handlers = []
        syncModules()
    }

    private func tellOwner(_ entry: GenEventEntry, _ reason: Term) {
        entry.owner?.send(.tuple([.atom("gen_event_EXIT"), entry.id.term, reason]))
    }

    /// Keeps the module table's users of each handler module in step with the handlers held.
    private func syncModules() {
        let modules = (core as? GenEventManagerCore)?.modules ?? []
        let names = Set(modules.map(\.name))
        for name in attached.subtracting(names) { process.runtime.modules.detach(process, from: name) }
        for module in modules { process.runtime.modules.attach(process, to: module) }
        attached = names
    }

    private func report(_ message: Logger.Message, handler: GenEventHandlerID, reason: Term, lastIn: Term, state: Term) {
        var metadata: Logger.Metadata = [
            "pid": "\(process.pid)", "handler": "\(handler)", "reason": "\(reason)",
            "last_message": "\(lastIn)", "state": "\(state)",
        ]
        if let name = process.registeredName { metadata["registered_name"] = "\(name)" }
        process.runtime.logger.error(message, metadata: metadata)
    }
}
