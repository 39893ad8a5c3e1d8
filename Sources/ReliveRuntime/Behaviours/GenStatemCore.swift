@_spi(Runtime) import ReliveKit

/// A gen_statem's module, state and typed data, with the callbacks
/// dispatched statically for module type `M`.
///
/// In state-functions mode the module's state functions are read once, when
/// the core is made (at start, and for the new version at a code change).
final class GenStatemCore<M: GenStatemBehaviour>: BehaviourCore, @unchecked Sendable {
    let module: LoadedModule
    let callbacks: M
    var state: Term
    var data: M.Data
    let mode: GenStatemCallbackMode
    let stateEnter: Bool
    private let stateFunctions: [Atom: GenStatemStateFunction<M.Data>]

    init(module: LoadedModule, callbacks: M, state: Term, data: M.Data) {
        self.module = module
        self.callbacks = callbacks
        self.state = state
        self.data = data
        self.mode = callbacks.callbackMode
        self.stateEnter = callbacks.stateEnter
        self.stateFunctions = callbacks.callbackMode == .stateFunctions ? callbacks.stateFunctions : [:]
    }

    var behaviour: BehaviourKind { .genStatem }

    /// `{State, Data}`, as OTP's `sys:get_state` gives for a gen_statem.
    func exportState() -> Term { .tuple([state, callbacks.exportData(data)]) }

    func formatStatus() -> Term { callbacks.formatStatus(state: state, data: data) }

    func replacingState(with term: Term) throws -> any BehaviourCore {
        guard case .tuple(let e) = term, e.count == 2 else { throw GenStatemError.badData(term) }
        return GenStatemCore(module: module, callbacks: callbacks, state: e[0], data: try callbacks.importData(e[1]))
    }

    func changingCode(to newModule: LoadedModule, oldVersion: Term, extra: Term,
                      process: LocalProcess) async throws -> any BehaviourCore {
        guard case .genStatem(let newCallbacks) = newModule.code else {
            throw WrongBehaviour(module: newModule, expected: .genStatem)
        }
        return try Self.changed(newCallbacks, module: newModule, oldVersion: oldVersion, state: state,
                                data: callbacks.exportData(data), extra: extra)
    }

    private static func changed<N: GenStatemBehaviour>(_ callbacks: N, module: LoadedModule, oldVersion: Term,
                                                       state: Term, data: Term, extra: Term) throws -> any BehaviourCore {
        let new = try callbacks.codeChange(oldVersion: oldVersion, state: state, data: data, extra: extra)
        return GenStatemCore<N>(module: module, callbacks: callbacks, state: new.state, data: new.data)
    }
}

/// The type-erased face of ``GenStatemCore`` the engine drives.
protocol GenStatemDriving: BehaviourCore {
    var state: Term { get set }
    var stateEnter: Bool { get }
    var mode: GenStatemCallbackMode { get }
    /// Calls the state's code for one event (the state function, or
    /// handle_event). For the `…AndData` results the data is put back.
    func handle(_ event: GenStatemEvent, _ content: Term, process: LocalProcess) async throws -> GenStatemResult
    func terminate(reason: Term, process: LocalProcess) async
}

extension GenStatemCore: GenStatemDriving {
    func handle(_ event: GenStatemEvent, _ content: Term, process: LocalProcess) async throws -> GenStatemResult {
        let saved = data
        let result: GenStatemResult
        switch mode {
        case .stateFunctions:
            guard case .atom(let name) = state, let function = stateFunctions[name] else {
                throw GenStatemError.noStateFunction(state)
            }
            result = try await function.body(event, content, &data, process)
        case .handleEventFunction:
            result = try await callbacks.handleEvent(event, content, state: state, data: &data, process: process)
        @unknown default:
            throw GenStatemError.noStateFunction(state)
        }
        switch result {
        case .keepStateAndData, .repeatStateAndData: data = saved
        default: break
        }
        return result
    }

    func terminate(reason: Term, process: LocalProcess) async {
        await callbacks.terminate(reason: reason, state: state, data: data, process: process)
    }
}
