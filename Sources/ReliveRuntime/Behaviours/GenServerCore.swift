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

    var asGenServer: (any GenServerDriving)? { self }

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

    /// The receive loop while this core runs (OTP's gen_server:loop/7):
    /// dispatches calls, casts and other messages to the module, answers
    /// system requests, and returns the core a system request swapped in
    /// (a code change). Ends the process by throwing ``ProcessExit``.
    ///
    /// Generic over the module, so each message costs one receive and one
    /// direct callback, with no existential dispatch or cast in between.
    nonisolated(nonsending)
    func serve(system: inout SystemState, next: inout GenServerNext, lastMessage: inout Term,
               parent: Term, process: LocalProcess) async throws -> any GenServerDriving {
        let context: any ProcessContext = process
        let callLabel = GenServerLabels.call, castLabel = GenServerLabels.cast
        let systemLabel = GenServerLabels.system, exitLabel = Atom.exit
        while true {
            let step: GenServerStep
            do {
                system.syncRelease(process)
                if case .continue(let term) = next, !system.suspended {
                    next = .none
                    lastMessage = .tuple([.atom("continue"), term])
                    step = GenServerStep(try await callbacks.handleContinue(term, state: &state, process: context))
                } else {
                    // Inlined rather than SystemState.nextMessage: on this path
                    // every extra async call is a measurable executor hop.
                    let message: Term
                    if system.suspended {
                        message = try await process.receive(timeout: nil) {
                            SystemState.taken($0, parent: parent, by: process) ? $0 : nil
                        } ?? .undefined
                        system.syncRelease(process)
                    } else if case .timeout(let after) = next {
                        message = try await process.receive(timeout: after) { $0 } ?? GenServerLabels.timeout
                    } else if let queued = try process.takeQueuedMessage() {
                        message = queued
                    } else {
                        message = try await process.receive()
                    }
                    var label: Atom? = nil
                    var e: [Term] = []
                    if case .tuple(let elements) = message, elements.count == 2 || elements.count == 3,
                       case .atom(let first) = elements[0] {
                        label = first
                        e = elements
                    }
                    // sys:terminate / gen_server:stop: ends the server like its parent's exit.
                    var terminateRequest: Term? = nil
                    if label == systemLabel, e.count == 3, let from = CallFrom(e[1]) {
                        terminateRequest = SystemState.terminateRequest(e[2])
                        if terminateRequest == nil {
                            // A system message does not cancel a pending timeout (as in OTP,
                            // which restarts it afterwards).
                            var core: any BehaviourCore = self
                            await system.handle(e[2], from: from, core: &core, process: process)
                            if core !== self {
                                guard let swapped = core.asGenServer else { throw ProcessExit(.atom("bad_core")) }
                                return swapped
                            }
                            continue
                        }
                    }
                    if case .timeout = next { next = .none }
                    system.noteIn(message)
                    lastMessage = message
                    if let reason = terminateRequest {
                        step = .stop(reason)
                    } else if label == exitLabel, e.count == 3, e[1] == parent {
                        // Our parent (supervisor) ended or told us to: terminate with its reason.
                        step = .stop(e[2])
                    } else if label == callLabel, e.count == 3, let from = CallFrom(e[1]) {
                        switch try await callbacks.handleCall(e[2], from: from, state: &state, process: context) {
                        case .reply(let reply, let then):
                            from.reply(reply)
                            system.noteOut(reply, to: from)
                            step = .next(then)
                        case .noreply(let then):
                            step = .next(then)
                        case .stop(let reason, let reply):
                            // As OTP: terminate runs first, the reply goes after it, so
                            // the caller never acts before the server has cleaned up.
                            if let reply { system.noteOut(reply, to: from) }
                            step = .stop(reason, reply: reply.map { (from, $0) })
                        @unknown default:
                            step = .stop(.tuple([.atom("bad_return_value"), .atom("handle_call")]))
                        }
                    } else if label == castLabel, e.count == 2 {
                        step = GenServerStep(try await callbacks.handleCast(e[1], state: &state, process: context))
                    } else {
                        step = GenServerStep(try await callbacks.handleInfo(message, state: &state, process: context))
                    }
                }
            } catch let exit as ProcessExit where !process.isAlive {
                throw exit    // killed: no terminate, as in OTP
            } catch {
                let reason = ExitReason.from(error)
                GenServerLoop.report(reason: reason, lastMessage: lastMessage, core: self, process: process)
                await terminate(reason: reason, process: process)
                throw ProcessExit(reason)
            }
            // The common outcome without an async call (each is a task
            // allocation and an executor check).
            if case .next(let then) = step {
                next = then
            } else {
                try await apply(step, system: &system, next: &next, lastMessage: lastMessage, process: process)
            }
        }
    }

    /// Carries out a callback's outcome: the next wait, or the server's end.
    nonisolated(nonsending)
    private func apply(_ step: GenServerStep, system: inout SystemState, next: inout GenServerNext,
                       lastMessage: Term, process: LocalProcess) async throws {
        switch step {
        case .next(let then):
            next = then
        case .stop(let reason, let reply):
            if !ExitReason.isNormal(reason) {
                GenServerLoop.report(reason: reason, lastMessage: lastMessage, core: self, process: process)
            }
            await terminate(reason: reason, process: process)
            if let (from, value) = reply { from.reply(value) }
            throw ProcessExit(reason)
        }
    }

    func terminate(reason: Term, process: LocalProcess) async {
        await callbacks.terminate(reason: reason, state: state, process: process)
    }
}

/// What the loop does after a callback.
enum GenServerStep {
    case next(GenServerNext)
    /// Ends the server with a reason; `reply` (of `{stop, Reason, Reply, State}`)
    /// is sent after `terminate` has run.
    case stop(Term, reply: (CallFrom, Term)? = nil)

    init(_ result: GenServerResult) {
        switch result {
        case .noreply(let next): self = .next(next)
        case .stop(let reason): self = .stop(reason)
        @unknown default: self = .stop(.atom("bad_return_value"))
        }
    }
}

enum GenServerLabels {
    static let system: Atom = "system"
    static let call: Atom = "$gen_call"
    static let cast: Atom = "$gen_cast"
    static let timeout: Term = .atom(Atom.timeout)
}

/// The type-erased face of ``GenServerCore`` the loop drives.
protocol GenServerDriving: BehaviourCore {
    nonisolated(nonsending)
    func serve(system: inout SystemState, next: inout GenServerNext, lastMessage: inout Term,
               parent: Term, process: LocalProcess) async throws -> any GenServerDriving
    func terminate(reason: Term, process: LocalProcess) async
}

extension GenServerCore: GenServerDriving {}
