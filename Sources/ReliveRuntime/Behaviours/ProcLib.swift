@_spi(Runtime) import ReliveKit

/// The starting handshake of behaviour processes (OTP's proc_lib
/// `start_link`/`init_ack`): the starter waits until the new process has
/// initialised and says how it went.
enum ProcLib {
    /// How the new process reports its init.
    struct Ack: Sendable {
        let replyTo: Pid
        let tag: Ref

        func started() { replyTo.send(.tuple([.ref(tag), .ok])) }
        func ignored() { replyTo.send(.tuple([.ref(tag), .atom("ignore")])) }
        func failed(_ reason: Term) { replyTo.send(.tuple([.ref(tag), .tuple([.atom(Atom.error), reason])])) }
    }

    /// The current version of `module`, or `{undef, Module}`.
    static func currentModule(_ module: Atom, of starter: LocalProcess) throws -> LoadedModule {
        guard let loaded = starter.runtime.modules.current(module) else {
            throw StartError(.tuple([.atom("undef"), .atom(module)]))
        }
        return loaded
    }

    /// `{bad_behaviour, Module, Kind}`: the module is not of the kind being started.
    static func badBehaviour(_ module: LoadedModule) -> StartError {
        StartError(.tuple([.atom("bad_behaviour"), .atom(module.name), .atom(module.code.kind.rawValue)]))
    }

    /// Registers a starting behaviour process under `name`; when that fails,
    /// acks `{already_started, Pid}` (or the error) and ends the process
    /// normally, as OTP's gen does.
    static func register(_ name: Atom?, _ process: LocalProcess, ack: Ack) throws {
        guard let name else { return }
        do { try process.register(name) } catch {
            if case .nameTaken(_, let owner) = error as? RegistryError {
                ack.failed(.tuple([.atom("already_started"), .pid(owner)]))
            } else {
                ack.failed(ExitReason.from(error))
            }
            throw ProcessExit(.normal)
        }
    }

    /// Spawns `body` (linked to `starter` when `link`), and waits for its ack.
    /// - Parameter timeout: nil waits for ever (OTP's default); past it the
    ///   new process is killed and the start fails with `timeout`.
    static func start(from starter: LocalProcess, link: Bool, timeout: Duration?,
                      _ body: @escaping @Sendable (LocalProcess, Ack) async throws -> Void) async throws -> StartResult {
        let alias = starter.alias()
        defer { starter.unalias(alias) }
        let tag = starter.makeRef()
        let ack = Ack(replyTo: alias, tag: tag)
        let options: SpawnOptions = link ? [.link, .monitor] : [.monitor]
        let spawned = starter.runtime.spawn(parent: starter, options: options) { child in try await body(child, ack) }
        guard let monitor = spawned.monitor else { throw StartError(.atom("spawn_failed")) }
        let tagTerm = Term.ref(tag), monitorTerm = Term.ref(monitor)
        enum Outcome { case ack(Term), down(Term) }
        let outcome = try await starter.receive(timeout: timeout) { m -> Outcome? in
            guard case .tuple(let e) = m else { return nil }
            if e.count == 2, e[0] == tagTerm { return .ack(e[1]) }
            if e.count == 5, e[0] == .atom(Atom.down), e[1] == monitorTerm { return .down(e[4]) }
            return nil
        }
        switch outcome {
        case .ack(let result)?:
            if result == .ok {
                starter.demonitor(monitor, flush: true)
                return .started(spawned.pid)
            }
            // The process exits right after a failed or ignored init; wait for
            // it so that "nothing is left running" holds when we return.
            _ = try await starter.receive(timeout: nil) { m -> Bool? in
                (m[element: 0] == .atom(Atom.down) && m[element: 1] == monitorTerm) ? true : nil
            }
            if result == .atom("ignore") { return .ignored }
            throw StartError(result[element: 1] ?? result)
        case .down(let reason)?:
            throw StartError(reason)
        case nil:
            starter.unlink(spawned.pid)
            starter.exit(spawned.pid, reason: .atom(Atom.kill))
            starter.demonitor(monitor, flush: true)
            throw StartError(.atom(Atom.timeout))
        }
    }
}
