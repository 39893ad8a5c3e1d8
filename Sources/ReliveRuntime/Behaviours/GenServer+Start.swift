@_spi(Runtime) import ReliveKit
import Logging

extension GenServer {
    /// Starts a gen_server running the current version of `module` from the
    /// node's module table (`gen_server:start_link/4` when `link`).
    ///
    /// Returns once the server's `init` has run.
    /// - Parameters:
    ///   - name: registers the server under this name before `init` runs.
    ///   - timeout: how long `init` may take; nil waits for ever.
    /// - Returns: `.started(pid)` or `.ignored`.
    /// - Throws: ``StartError``: `{already_started, Pid}`, `{undef, Module}`,
    ///   the reason `init` stopped with, or the error it threw.
    public static func start(_ module: Atom, args: Term = .list([]), name: Atom? = nil, link: Bool = true,
                             timeout: Duration? = nil, from starter: LocalProcess) async throws -> StartResult {
        let loaded = try ProcLib.currentModule(module, of: starter)
        guard case .genServer(let callbacks) = loaded.code else { throw ProcLib.badBehaviour(loaded) }
        let parent = starter.pid
        return try await ProcLib.start(from: starter, link: link, timeout: timeout) { process, ack in
            try await GenServerLoop.run(callbacks, module: loaded, args: args, name: name, parent: parent,
                                        process: process, ack: ack)
        }
    }
}

/// The gen_server receive loop (OTP's gen_server:loop/7).
enum GenServerLoop {
    static func run<M: GenServerBehaviour>(_ callbacks: M, module: LoadedModule, args: Term, name: Atom?, parent: Pid,
                                           process: LocalProcess, ack: ProcLib.Ack) async throws {
        try ProcLib.register(name, process, ack: ack)
        let start: GenServerStart<M.State>
        do {
            start = try await callbacks.initialize(args, process: process)
        } catch {
            let reason = ExitReason.from(error)
            ack.failed(reason)
            throw ProcessExit(reason)
        }
        switch start {
        case .ignore:
            ack.ignored()
            throw ProcessExit(.normal)
        case .stop(let reason):
            ack.failed(reason)
            throw ProcessExit(reason)
        case .ok(let state, let next):
            process.runtime.modules.attach(process, to: module)
            defer { process.runtime.modules.detach(process, from: module.name) }
            ack.started()
            let core = GenServerCore(module: module, callbacks: callbacks, state: state)
            try await loop(core, next: next, parent: parent, process: process)
        @unknown default:
            ack.failed(.tuple([.atom("bad_return_value"), .atom("init")]))
            throw ProcessExit(.atom("bad_return_value"))
        }
    }

    /// Runs the server until it ends: each core (one module version and its
    /// state) serves messages until a system request swaps in another.
    private static func loop(_ initial: any GenServerDriving, next initialNext: GenServerNext, parent: Pid,
                             process: LocalProcess) async throws {
        var server = initial
        var system = SystemState(parent: parent)
        var next = initialNext
        var lastMessage: Term = .undefined
        while true {
            server = try await server.serve(system: &system, next: &next, lastMessage: &lastMessage,
                                            parent: .pid(parent), process: process)
        }
    }

    static func report(reason: Term, lastMessage: Term, core: any BehaviourCore, process: LocalProcess) {
        var metadata: Logger.Metadata = [
            "pid": "\(process.pid)", "module": "\(core.module)", "reason": "\(reason)",
            "last_message": "\(lastMessage)", "state": "\(core.formatStatus())",
        ]
        if let name = process.registeredName { metadata["registered_name"] = "\(name)" }
        process.runtime.logger.error("gen_server terminating", metadata: metadata)
    }
}
