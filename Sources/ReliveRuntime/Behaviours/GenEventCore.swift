@_spi(Runtime) import ReliveKit

/// One installed handler: its module version and typed state, with the
/// callbacks dispatched statically for handler type `H`.
final class GenEventHandlerCore<H: GenEventHandler>: GenEventHandlerDriving, @unchecked Sendable {
    let module: LoadedModule
    let callbacks: H
    var state: H.State

    init(module: LoadedModule, callbacks: H, state: H.State) {
        self.module = module
        self.callbacks = callbacks
        self.state = state
    }

    func handleEvent(_ event: Term, process: LocalProcess) async throws -> GenEventResult {
        try await callbacks.handleEvent(event, state: &state, process: process)
    }

    func handleInfo(_ info: Term, process: LocalProcess) async throws -> GenEventResult {
        try await callbacks.handleInfo(info, state: &state, process: process)
    }

    func handleCall(_ request: Term, process: LocalProcess) async throws -> GenEventCallResult {
        try await callbacks.handleCall(request, state: &state, process: process)
    }

    func terminate(_ arg: Term, process: LocalProcess) async -> Term {
        await callbacks.terminate(arg, state: state, process: process)
    }

    func exportState() -> Term { callbacks.exportState(state) }

    func replacingState(with term: Term) throws -> any GenEventHandlerDriving {
        GenEventHandlerCore(module: module, callbacks: callbacks, state: try callbacks.importState(term))
    }

    func changingCode(to newModule: LoadedModule, oldVersion: Term, extra: Term) throws -> any GenEventHandlerDriving {
        guard case .eventHandler(let newCallbacks) = newModule.code else {
            throw WrongBehaviour(module: newModule, expected: .genEvent)
        }
        return try Self.changed(newCallbacks, module: newModule, oldVersion: oldVersion, state: exportState(), extra: extra)
    }

    private static func changed<N: GenEventHandler>(_ callbacks: N, module: LoadedModule, oldVersion: Term,
                                                    state: Term, extra: Term) throws -> any GenEventHandlerDriving {
        GenEventHandlerCore<N>(module: module, callbacks: callbacks,
                               state: try callbacks.codeChange(oldVersion: oldVersion, state: state, extra: extra))
    }

    /// Runs `init` of `module`'s handler: the installed handler, or the reply
    /// OTP gives for a refusal (`{error, Reason}`) or a crash (`{'EXIT', Reason}`).
    static func install(_ module: LoadedModule, args: Term,
                        process: LocalProcess) async -> Result<any GenEventHandlerDriving, GenEventInstallFailure> {
        guard case .eventHandler(let callbacks) = module.code else {
            return .failure(GenEventInstallFailure(reply: .tuple([.atom(Atom.exit),
                .tuple([.atom("bad_behaviour"), .atom(module.name), .atom(module.code.kind.rawValue)])])))
        }
        return await started(callbacks, module: module, args: args, process: process)
    }

    private static func started<N: GenEventHandler>(_ callbacks: N, module: LoadedModule, args: Term,
                                                    process: LocalProcess) async -> Result<any GenEventHandlerDriving, GenEventInstallFailure> {
        do {
            switch try await callbacks.initialize(args, process: process) {
            case .ok(let state):
                return .success(GenEventHandlerCore<N>(module: module, callbacks: callbacks, state: state))
            case .error(let reason):
                return .failure(GenEventInstallFailure(reply: .tuple([.atom(Atom.error), reason])))
            @unknown default:
                return .failure(GenEventInstallFailure(reply: .tuple([.atom(Atom.error), .atom("bad_return_value")])))
            }
        } catch {
            return .failure(GenEventInstallFailure(reply: .tuple([.atom(Atom.exit), ExitReason.from(error)])))
        }
    }
}

/// Why a handler was not installed: the reply OTP's add_handler gives.
struct GenEventInstallFailure: Error {
    let reply: Term
}

/// The type-erased face of ``GenEventHandlerCore`` the manager drives.
protocol GenEventHandlerDriving: AnyObject, Sendable {
    var module: LoadedModule { get }
    func handleEvent(_ event: Term, process: LocalProcess) async throws -> GenEventResult
    func handleInfo(_ info: Term, process: LocalProcess) async throws -> GenEventResult
    func handleCall(_ request: Term, process: LocalProcess) async throws -> GenEventCallResult
    func terminate(_ arg: Term, process: LocalProcess) async -> Term
    func exportState() -> Term
    func replacingState(with term: Term) throws -> any GenEventHandlerDriving
    func changingCode(to newModule: LoadedModule, oldVersion: Term, extra: Term) throws -> any GenEventHandlerDriving
}

/// One handler in a manager's list.
struct GenEventEntry {
    let id: GenEventHandlerID
    var handler: any GenEventHandlerDriving
    /// The process that added it with add_sup_handler (OTP's `supervised`).
    var owner: Pid?

    /// `{Module, Id, State}`, as OTP's `sys:get_state` shows a handler (Id is
    /// `false` for a handler added as a bare module).
    var stateTerm: Term {
        .tuple([.atom(id.module), id.id ?? .atom(Atom.false), handler.exportState()])
    }
}

/// A manager's handlers, newest first as in OTP (the order events reach
/// them): what the sys protocol sees of an event manager.
final class GenEventManagerCore: BehaviourCore, @unchecked Sendable {
    /// A manager runs OTP's `gen_event` itself, not a module of the node:
    /// this stands for it in `sys:get_status` and reports. It is never in
    /// the module table.
    static let managerModule = LoadedModule(name: "gen_event", version: "relive", code: .eventHandler(NoHandler()))

    var handlers: [GenEventEntry]

    init(handlers: [GenEventEntry] = []) { self.handlers = handlers }

    var module: LoadedModule { Self.managerModule }
    var behaviour: BehaviourKind { .genEvent }

    /// The handler modules, one per name.
    var modules: [LoadedModule] {
        var seen: Set<Atom> = []
        return handlers.compactMap { seen.insert($0.handler.module.name).inserted ? $0.handler.module : nil }
    }

    func runs(_ name: Atom) -> Bool { handlers.contains { $0.handler.module.name == name } }

    /// `[{Module, Id, State}]`.
    func exportState() -> Term { .list(handlers.map(\.stateTerm)) }

    func formatStatus() -> Term { exportState() }

    /// Takes `[{Module, Id, State}]`; each names an installed handler whose
    /// state it replaces (handlers not named keep theirs).
    func replacingState(with term: Term) throws -> any BehaviourCore {
        guard let triples = term.listElements else { throw BehaviourError.badState(term) }
        var handlers = handlers
        for triple in triples {
            guard case .tuple(let e) = triple, e.count == 3, case .atom(let module) = e[0] else { throw BehaviourError.badState(triple) }
            let id = GenEventHandlerID(module, id: e[1] == .atom(Atom.false) ? nil : e[1])
            guard let i = handlers.firstIndex(where: { $0.id == id }) else { throw BehaviourError.badState(triple) }
            handlers[i].handler = try handlers[i].handler.replacingState(with: e[2])
        }
        return GenEventManagerCore(handlers: handlers)
    }

    /// OTP's gen_event `system_code_change`: every handler of the module
    /// changes code; the others are untouched. All or none: if one handler's
    /// code_change throws, the manager keeps its old handlers.
    func changingCode(to newModule: LoadedModule, oldVersion: Term, extra: Term,
                      process: LocalProcess) async throws -> any BehaviourCore {
        var handlers = handlers
        for i in handlers.indices where handlers[i].handler.module.name == newModule.name {
            handlers[i].handler = try handlers[i].handler.changingCode(to: newModule, oldVersion: oldVersion, extra: extra)
        }
        return GenEventManagerCore(handlers: handlers)
    }
}

/// The placeholder handler behind ``GenEventManagerCore/managerModule``.
struct NoHandler: GenEventHandler {
    typealias State = Term
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenEventInit<Term> {
        .error(.atom("not_a_handler"))
    }
    func handleEvent(_ event: Term, state: inout Term, process: any ProcessContext) async throws -> GenEventResult {
        .removeHandler
    }
}
