@_spi(Runtime) import ReliveKit

/// The process API (``ProcessContext``), as the runtime implements it.
extension LocalProcess: ProcessContext {
    @inlinable
    public func send(_ message: Term, to pid: Pid) { pid.send(message) }

    public func send(_ message: Term, to name: Atom) throws {
        guard let target = runtime.registry.whereis(name) else { throw RegistryError.notRegistered(name) }
        target.deliver(message)
    }

    public func spawn(_ options: SpawnOptions, _ body: @escaping @Sendable (any ProcessContext) async throws -> Void) -> Spawned {
        runtime.spawn(parent: self, options: options) { try await body($0) }
    }

    /// Spawns a process (`spawn/1`).
    @discardableResult
    public func spawn(_ body: @escaping Node.ProcessBody) -> Pid {
        runtime.spawn(parent: self, options: [], body).pid
    }

    /// Spawns a process linked to this one (`spawn_link/1`).
    @discardableResult
    public func spawnLink(_ body: @escaping Node.ProcessBody) -> Pid {
        runtime.spawn(parent: self, options: .link, body).pid
    }

    /// Spawns a process monitored by this one (`spawn_monitor/1`).
    public func spawnMonitor(_ body: @escaping Node.ProcessBody) -> (pid: Pid, monitor: Ref) {
        let spawned = runtime.spawn(parent: self, options: .monitor, body)
        return (spawned.pid, spawned.monitor ?? runtime.makeRef())
    }

    public func register(_ name: Atom) throws {
        try runtime.registry.register(name, self)
    }

    public func unregister() { runtime.registry.unregister(self) }

    public func whereis(_ name: Atom) -> Pid? { runtime.whereis(name) }

    public func sendAfter(_ delay: Duration, _ message: Term, to pid: Pid) -> TimerRef {
        let id = runtime.timers.schedule(after: delay) { pid.send(message) }
        return TimerRef(Ref(node: runtime.id, id: id))
    }

    public func sendAfter(_ delay: Duration, _ message: Term, to name: Atom) -> TimerRef {
        // The name is resolved when the timer fires, as in OTP.
        let node = runtime
        let id = runtime.timers.schedule(after: delay) { node.registry.whereis(name)?.deliver(message) }
        return TimerRef(Ref(node: runtime.id, id: id))
    }

    @discardableResult
    public func cancelTimer(_ timer: TimerRef) -> Bool {
        guard timer.ref.node == runtime.id else { return false }
        return runtime.timers.cancel(timer.ref.id)
    }

    public func makeRef() -> Ref { runtime.makeRef() }

    public func makeRefs(_ count: Int) -> Ref { runtime.makeRefs(count) }

    public func yield() async {
        reductions = 0
        await Task.yield()
    }
}
