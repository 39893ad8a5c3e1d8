@_spi(Runtime) import ReliveKit
import Logging
import Synchronization

/// The node's applications (OTP's application_controller): loaded specs,
/// environments, which are running with which type, starting in dependency
/// order and stopping in reverse, and the consequences of an application's
/// end by its type.
public final class ApplicationController: Sendable {
    struct Running {
        let name: Atom
        let type: ApplicationType
        let master: Pid
    }

    // Internal (not private) for ApplicationController+Config.swift.
    struct State {
        var loaded: [Atom: ApplicationSpec] = [:]
        var environment: [Atom: [Atom: Term]] = [:]
        /// In start order.
        var running: [Running] = []
        var starting: Set<Atom> = []
    }

    let state = Mutex(State())

    init() {}

    // MARK: Loading

    /// Loads an application's spec and environment.
    /// - Throws: `{already_loaded, App}`.
    public func load(_ spec: ApplicationSpec) throws {
        try state.withLock { s in
            if s.loaded[spec.name] != nil { throw ApplicationError.alreadyLoaded(spec.name) }
            s.loaded[spec.name] = spec
            s.environment[spec.name] = spec.environment
        }
    }

    /// Unloads a stopped application.
    public func unload(_ name: Atom) throws {
        try state.withLock { s in
            if s.running.contains(where: { $0.name == name }) { throw ApplicationError.running(name) }
            guard s.loaded.removeValue(forKey: name) != nil else { throw ApplicationError.notLoaded(name) }
            s.environment[name] = nil
        }
    }

    /// The loaded applications' specs.
    public var loaded: [ApplicationSpec] { state.withLock { Array($0.loaded.values) } }

    /// The running applications, in start order, with their version and type.
    public var running: [(name: Atom, version: String, type: ApplicationType)] {
        state.withLock { s in s.running.map { ($0.name, s.loaded[$0.name]?.version ?? "", $0.type) } }
    }

    // MARK: Environment

    /// `application:get_env/2`.
    public func environment(_ app: Atom, _ key: Atom) -> Term? { state.withLock { $0.environment[app]?[key] } }

    /// `application:get_all_env/1`.
    public func environment(_ app: Atom) -> [Atom: Term] { state.withLock { $0.environment[app] ?? [:] } }

    /// `application:set_env/3`.
    public func setEnvironment(_ app: Atom, _ key: Atom, _ value: Term) {
        state.withLock { $0.environment[app, default: [:]][key] = value }
    }

    /// `application:unset_env/2`.
    public func unsetEnvironment(_ app: Atom, _ key: Atom) {
        state.withLock { _ = $0.environment[app]?.removeValue(forKey: key) }
    }

    // MARK: Starting and stopping

    /// Starts a loaded application whose dependencies run (`application:start/2`).
    /// - Throws: `{not_loaded, App}`, `{not_started, Dep}`, `{already_started, App}`,
    ///   or `{bad_return|start failure, …}` from its start; nothing is left running then.
    public func start(_ name: Atom, type: ApplicationType = .temporary, from starter: LocalProcess) async throws {
        let spec = try state.withLock { s -> ApplicationSpec in
            guard let spec = s.loaded[name] else { throw ApplicationError.notLoaded(name) }
            if s.running.contains(where: { $0.name == name }) || s.starting.contains(name) {
                throw ApplicationError.alreadyStarted(name)
            }
            for dep in spec.applications where !s.running.contains(where: { $0.name == dep }) {
                throw ApplicationError.notStarted(dep)
            }
            s.starting.insert(name)
            return spec
        }
        defer { state.withLock { _ = $0.starting.remove(name) } }
        let result = try await ProcLib.start(from: starter, link: false, timeout: nil) { master, ack in
            try await ApplicationMaster.run(spec, type: type, controller: self, process: master, ack: ack)
        }
        guard let master = result.pid else { return }
        state.withLock { $0.running.append(Running(name: name, type: type, master: master)) }
        starter.runtime.logger.info("application started", metadata: ["application": "\(name)", "type": "\(type.rawValue)"])
    }

    /// Starts an application and every application it needs, dependencies
    /// first (`application:ensure_all_started/2`).
    /// - Returns: the applications this call started, in order.
    public func ensureAllStarted(_ name: Atom, type: ApplicationType = .temporary,
                                 from starter: LocalProcess) async throws -> [Atom] {
        let order = try startOrder(for: name)
        var started: [Atom] = []
        for app in order where !isRunning(app) {
            try await start(app, type: type, from: starter)
            started.append(app)
        }
        return started
    }

    /// Dependencies first, `name` last; errors on unknown apps and cycles.
    func startOrder(for name: Atom) throws -> [Atom] {
        let loaded = state.withLock { $0.loaded }
        var order: [Atom] = []
        var done = Set<Atom>()
        func visit(_ app: Atom, path: [Atom]) throws {
            if done.contains(app) { return }
            if path.contains(app) {
                throw ApplicationError(.tuple([.atom("circular_dependency"), .list((path + [app]).map(Term.atom))]))
            }
            guard let spec = loaded[app] else { throw ApplicationError.notLoaded(app) }
            for dep in spec.applications { try visit(dep, path: path + [app]) }
            done.insert(app)
            order.append(app)
        }
        try visit(name, path: [])
        return order
    }

    /// The running applications, in start order.
    public var runningNames: [Atom] { state.withLock { $0.running.map(\.name) } }

    func isRunning(_ name: Atom) -> Bool { state.withLock { $0.running.contains { $0.name == name } } }

    /// Stops a running application (`application:stop/1`): its tree is shut
    /// down and its `stop` callback runs. Stopping is never a failure of its type.
    public func stop(_ name: Atom, from caller: LocalProcess) async throws {
        guard let running = state.withLock({ $0.running.first { $0.name == name } }) else {
            throw ApplicationError(.tuple([.atom("not_started"), .atom(name)]))
        }
        _ = try await GenericCall.call(running.master, label: ApplicationMaster.stopLabel, request: .atom("stop"),
                                       timeout: nil, process: caller)
        state.withLock { $0.running.removeAll { $0.name == name } }
        caller.runtime.logger.info("application stopped", metadata: ["application": "\(name)"])
    }

    /// Stops every running application, in reverse start order.
    public func stopAll(from caller: LocalProcess) async {
        for app in state.withLock({ $0.running.map(\.name) }).reversed() {
            try? await stop(app, from: caller)
        }
    }

    /// Called by an application's master when its tree ended by itself.
    func applicationEnded(_ name: Atom, reason: Term, node: Node) {
        guard let running = state.withLock({ s -> Running? in
            guard let i = s.running.firstIndex(where: { $0.name == name }) else { return nil }
            return s.running.remove(at: i)
        }) else { return }
        node.health.applicationEnded(name, reason: reason)
        node.logger.notice("application exited", metadata: [
            "application": "\(name)", "exited": "\(reason)", "type": "\(running.type.rawValue)",
        ])
        // OTP: for a transient application only `normal` is a normal end.
        let stopsNode = running.type == .permanent || (running.type == .transient && reason != .normal)
        guard stopsNode else { return }
        // OTP: the other applications stop, then the node; a watchdog sees it.
        let nodeReason: Term = .tuple([.atom("application_terminated"), .atom(name), reason])
        node.spawn { process in
            await self.stopAll(from: process)
            node.halt(reason: nodeReason)
        }
    }
}

extension LocalProcess {
    public func environment(_ application: Atom, _ key: Atom) -> Term? {
        runtime.applications.environment(application, key)
    }

    public func start(_ module: Atom, args: Term, name: Atom?, link: Bool, timeout: Duration?) async throws -> StartResult {
        try await BehaviourStarter.start(module, args: args, name: name, link: link, from: self)
    }
}
