@_spi(Runtime) import ReliveKit

/// Links, monitors and exit signals (the thesis's failure detection).
extension LocalProcess {
    /// Whether exit signals arrive as `{'EXIT', From, Reason}` messages.
    public var trapExit: Bool {
        get { shared.withLock { $0.trapExit } }
        set { shared.withLock { $0.trapExit = newValue } }
    }

    /// Links this process with `pid`; see ``ProcessContext/link(_:)``.
    public func link(_ pid: Pid) throws {
        guard let other = pid.process as? LocalProcess else { throw ProcessExit(.atom(Atom.noconnection)) }
        if other === self { return }
        shared.withLock { s in
            if !s.links.contains(where: { $0 === other }) { s.links.append(other) }
        }
        let linked = other.shared.withLock { s in
            guard s.exitReason == nil else { return false }
            if !s.links.contains(where: { $0 === self }) { s.links.append(self) }
            return true
        }
        if linked { return }
        // Linking to a dead process: an exit signal `noproc` at once.
        let trapping = shared.withLock { s in
            s.links.removeAll { $0 === other }
            return s.trapExit
        }
        if trapping {
            deliver(Self.exitMessage(from: pid, reason: .atom(Atom.noproc)))
        } else {
            // OTP raises a `noproc` error in the caller: not an exit signal, so a
            // process that catches it goes on (uncaught, it ends the process).
            throw ProcessExit(.atom(Atom.noproc))
        }
    }

    /// Removes the link with `pid`, if any, on both sides.
    public func unlink(_ pid: Pid) {
        guard let other = pid.process as? LocalProcess else { return }
        shared.withLock { s in s.links.removeAll { $0 === other } }
        other.shared.withLock { s in s.links.removeAll { $0 === self } }
    }

    /// Monitors `pid`; see ``ProcessContext/monitor(_:)``.
    public func monitor(_ pid: Pid) -> Ref { monitor(pid, name: nil) }

    /// Monitors the process registered as `name` (`monitor(process, Name)`):
    /// its 'DOWN' names `{Name, Node}`; `noproc` at once when no process has the name.
    public func monitor(_ name: Atom) -> Ref {
        guard let target = runtime.registry.whereis(name) else {
            let ref = runtime.makeRef()
            deliver(Self.downMessage(ref: ref, object: Self.nameObject(name, on: runtime.id), reason: .atom(Atom.noproc)))
            return ref
        }
        return monitor(target.pid, name: name)
    }

    static func nameObject(_ name: Atom, on node: NodeID) -> Term { .tuple([.atom(name), .atom(node.name)]) }

    private func monitor(_ pid: Pid, name: Atom?) -> Ref {
        let ref = runtime.makeRef()
        guard let target = pid.process as? LocalProcess else {
            deliver(Self.downMessage(ref: ref, pid: pid, reason: .atom(Atom.noconnection)))
            return ref
        }
        // Record our side first: if the target dies meanwhile, its terminate
        // finds and removes it, so no stale monitor is left behind.
        shared.withLock { s in s.monitoring.insert(target, for: ref) }
        let alive = target.shared.withLock { s in
            guard s.exitReason == nil else { return false }
            s.monitoredBy.append((ref, self, name))
            return true
        }
        if !alive {
            shared.withLock { s in _ = s.monitoring.remove(ref) }
            let object = name.map { Self.nameObject($0, on: runtime.id) } ?? .pid(pid)
            deliver(Self.downMessage(ref: ref, object: object, reason: .atom(Atom.noproc)))
        }
        return ref
    }

    /// Removes a monitor; see ``ProcessContext/demonitor(_:flush:)``.
    @discardableResult
    public func demonitor(_ ref: Ref, flush: Bool = false) -> Bool {
        let target = shared.withLock { s -> LocalProcess? in s.monitoring.remove(ref) }
        target?.shared.withLock { s in s.monitoredBy.removeAll { $0.ref == ref } }
        // A 'DOWN' is sent only by a target that still finds the monitor here
        // (`end` removes it under this process's lock first): taken out above,
        // none was sent or ever will be, so there is nothing to flush. Only a
        // monitor already gone (the target ended) may have left one behind.
        if flush && target == nil {
            let refTerm = Term.ref(ref)
            removeMessages { m in m[element: 0] == .atom(Atom.down) && m[element: 1] == refTerm }
        }
        return target != nil
    }

    /// Sends an exit signal to `pid`; see ``ProcessContext/exit(_:reason:)``.
    public func exit(_ pid: Pid, reason: Term) {
        guard let target = pid.process as? LocalProcess else { return }
        // exit(self(), normal) ends a process that does not trap exits (Erlang).
        if target === self && reason == .normal && !trapExit {
            terminate(.normal)
            return
        }
        target.receiveExitSignal(from: self.pid, reason: reason, viaLink: false)
    }

    /// Handles an exit signal arriving at this process.
    func receiveExitSignal(from sender: Pid, reason: Term, viaLink: Bool) {
        if let dying = handleExitSignal(from: sender, reason: reason, viaLink: viaLink) {
            terminate(dying)
        }
    }

    /// Applies an exit signal; returns the reason this process must die with, if any.
    private func handleExitSignal(from sender: Pid, reason: Term, viaLink: Bool) -> Term? {
        enum Outcome { case ignore, die(Term), wake(UnsafeContinuation<Void, Never>?) }
        let outcome = shared.withLock { s -> Outcome in
            guard s.exitReason == nil else { return .ignore }
            if viaLink {
                // An unlinked process no longer hears from its former link.
                guard let i = s.links.firstIndex(where: { $0 === sender.process }) else { return .ignore }
                s.links.remove(at: i)
            } else if reason == .atom(Atom.kill) {
                return .die(.atom(Atom.killed))     // untrappable
            }
            if s.trapExit {
                return .wake(enqueue(Self.exitMessage(from: sender, reason: reason), into: &s))
            }
            if reason == .normal { return .ignore }
            return .die(reason)
        }
        switch outcome {
        case .ignore: return nil
        case .wake(let waiter):
            waiter?.resume()
            return nil
        case .die(let reason): return reason
        }
    }

    /// Ends the process with `reason`, once: tells its links and monitors,
    /// frees its name, wakes its task so that its next receive throws.
    ///
    /// Exit signals that kill linked processes are followed with a work list,
    /// not recursion, so a chain of any length cannot overflow the stack.
    func terminate(_ reason: Term) {
        var work: [(process: LocalProcess, reason: Term)] = [(self, reason)]
        while let (process, reason) = work.popLast() {
            guard let links = process.end(reason) else { continue }
            let pid = process.pid
            for linked in links {
                if let dying = linked.handleExitSignal(from: pid, reason: reason, viaLink: true) {
                    work.append((linked, dying))
                }
            }
        }
    }

    /// Marks the process dead and does everything but the link signals,
    /// which it returns; nil when it was already dead.
    private func end(_ reason: Term) -> [LocalProcess]? {
        struct Leftovers {
            var links: [LocalProcess]
            var monitoredBy: [(ref: Ref, watcher: LocalProcess, name: Atom?)]
            var monitoring: MonitorTable
            var name: Atom?
            var waiter: UnsafeContinuation<Void, Never>?
            var onExit: (@Sendable (Term) -> Void)?
        }
        let leftovers = shared.withLock { s -> Leftovers? in
            guard s.exitReason == nil else { return nil }
            s.exitReason = reason
            // Under the lock, with the reason: whoever has seen the reason
            // under this lock (the process's own receive) then reads the
            // flag, and so `isAlive`, as false.
            dead.store(true, ordering: .releasing)
            defer {
                s.links = []; s.monitoredBy = []; s.monitoring.removeAll()
                s.inbox = []; s.waiter = nil; s.onExit = nil
            }
            return Leftovers(links: s.links, monitoredBy: s.monitoredBy, monitoring: s.monitoring,
                             name: s.registeredName, waiter: s.waiter, onExit: s.onExit)
        }
        guard let leftovers else { return nil }
        leftovers.waiter?.resume()
        let me = pid
        if let name = leftovers.name { runtime.registry.remove(name, ifOwnedBy: self) }
        // The crash report goes out before any 'DOWN' or exit signal: whoever
        // learns of the end can already see the report (OTP's proc_lib order).
        runtime.processEnded(self, reason: reason, name: leftovers.name)
        for (ref, watcher, name) in leftovers.monitoredBy {
            let object = name.map { Self.nameObject($0, on: runtime.id) } ?? .pid(me)
            let down = Self.downMessage(ref: ref, object: object, reason: reason)
            // The monitor's removal and its 'DOWN' under one lock of the
            // watcher's: a `demonitor` either takes the monitor out first (no
            // 'DOWN', ever) or finds it gone with the 'DOWN' already queued
            // (and can flush it).
            let waiter = watcher.shared.withLock { s -> UnsafeContinuation<Void, Never>? in
                guard s.monitoring.remove(ref) != nil else { return nil }
                return watcher.enqueue(down, into: &s)
            }
            waiter?.resume()
        }
        for (ref, target) in leftovers.monitoring.all {
            target.shared.withLock { s in s.monitoredBy.removeAll { $0.ref == ref } }
        }
        leftovers.onExit?(reason)
        return leftovers.links
    }

    static func exitMessage(from pid: Pid, reason: Term) -> Term {
        .tuple([.atom(Atom.exit), .pid(pid), reason])
    }

    static func downMessage(ref: Ref, pid: Pid, reason: Term) -> Term {
        downMessage(ref: ref, object: .pid(pid), reason: reason)
    }

    static func downMessage(ref: Ref, object: Term, reason: Term) -> Term {
        .tuple([.atom(Atom.down), .ref(ref), .atom(Atom.process), object, reason])
    }
}
