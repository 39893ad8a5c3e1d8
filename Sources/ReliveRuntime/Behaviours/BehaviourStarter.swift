@_spi(Runtime) import ReliveKit

/// Starts a process running the current version of any behaviour module,
/// by its kind: what a supervisor does with a `.module` child spec.
enum BehaviourStarter {
    static func start(_ module: Atom, args: Term, name: Atom?, link: Bool, from starter: LocalProcess) async throws -> StartResult {
        let loaded = try ProcLib.currentModule(module, of: starter)
        switch loaded.code {
        case .genServer:
            return try await GenServer.start(module, args: args, name: name, link: link, from: starter)
        case .supervisor:
            return try await Supervisor.start(module, args: args, name: name, link: link, from: starter)
        case .genStatem:
            return try await GenStatem.start(module, args: args, name: name, link: link, from: starter)
        case .eventHandler, .application:
            // Handlers run inside event managers; application modules are
            // started by the application controller.
            throw StartError(.tuple([.atom("not_startable"), .atom(module), .atom(loaded.code.kind.rawValue)]))
        @unknown default:
            throw StartError(.tuple([.atom("not_startable"), .atom(module), .atom(loaded.code.kind.rawValue)]))
        }
    }
}
