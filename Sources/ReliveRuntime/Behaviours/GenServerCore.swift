@_spi(Runtime) import ReliveKit

/// A gen_server's module and typed state, with the callbacks dispatched
/// statically for module type `M`.
final class GenServerCore<M: GenServerBehaviour>: BehaviourCore, @unchecked Sendable {
    let module: LoadedModule
    let callbacks: M
    var state: M.State

    init(module: LoadedModule, callbacks: M, state: M.State) {
        self.module = module
        self.callbacks = callbacks
        self.state = state
    }

    var behaviour: BehaviourKind { .genServer }

    func exportState() -> Term { callbacks.exportState(state) }

    func formatStatus() -> Term { callbacks.formatStatus(state) }

    func replacingState(with term: Term) throws -> any BehaviourCore {
        GenServerCore(module: module, callbacks: callbacks, state: try callbacks.importState(term))
    }

    func changingCode(to newModule: LoadedModule, oldVersion: Term, extra: Term,
                      process: LocalProcess) async throws -> any BehaviourCore {
        guard case .genServer(let newCallbacks) = newModule.code else {
            throw WrongBehaviour(module: newModule, expected: .genServer)
        }
        return try Self.changed(newCallbacks, module: newModule, oldVersion: oldVersion, state: exportState(), extra: extra)
    }

    private static func changed<N: GenServerBehaviour>(_ callbacks: N, module: LoadedModule, oldVersion: Term,
                                                       state: Term, extra: Term) throws -> any BehaviourCore {
        GenServerCore<N>(module: module, callbacks: callbacks,
                         state: try callbacks.codeChange(oldVersion: oldVersion, state: state, extra: extra))
    }

    /// Handles one ordinary message.
    func handle(_ message: Term, process: LocalProcess, system: inout SystemState) async throws -> GenServerStep {
        if case .tuple(let e) = message, e.count >= 2, case .atom(let label) = e[0] {
            if label == GenServerLabels.call, e.count == 3, let from = CallFrom(e[1]) {
                switch try await callbacks.handleCall(e[2], from: from, state: &state, process: process) {
                case .reply(let reply, let next):
                    from.reply(reply)
                    system.noteOut(reply, to: from)
                    return .next(next)
                case .noreply(let next):
                    return .next(next)
                case .stop(let reason, let reply):
                    if let reply {
                        from.reply(reply)
                        system.noteOut(reply, to: from)
                    }
                    return .stop(reason)
                @unknown default:
                    return .stop(.tuple([.atom("bad_return_value"), .atom("handle_call")]))
                }
            }
            if label == GenServerLabels.cast, e.count == 2 {
                return GenServerStep(try await callbacks.handleCast(e[1], state: &state, process: process))
            }
        }
        return GenServerStep(try await callbacks.handleInfo(message, state: &state, process: process))
    }

    func handleContinue(_ term: Term, process: LocalProcess) async throws -> GenServerStep {
        GenServerStep(try await callbacks.handleContinue(term, state: &state, process: process))
    }

    func terminate(reason: Term, process: LocalProcess) async {
        await callbacks.terminate(reason: reason, state: state, process: process)
    }
}

/// What the loop does after a callback.
enum GenServerStep {
    case next(GenServerNext)
    case stop(Term)

    init(_ result: GenServerResult) {
        switch result {
        case .noreply(let next): self = .next(next)
        case .stop(let reason): self = .stop(reason)
        @unknown default: self = .stop(.atom("bad_return_value"))
        }
    }
}

enum GenServerLabels {
    static let call: Atom = "$gen_call"
    static let cast: Atom = "$gen_cast"
    static let timeout: Term = .atom(Atom.timeout)
}

/// The type-erased face of ``GenServerCore`` the loop drives.
protocol GenServerDriving: BehaviourCore {
    func handle(_ message: Term, process: LocalProcess, system: inout SystemState) async throws -> GenServerStep
    func handleContinue(_ term: Term, process: LocalProcess) async throws -> GenServerStep
    func terminate(reason: Term, process: LocalProcess) async
}

extension GenServerCore: GenServerDriving {}
