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
            terminate(.atom(Atom.noproc))
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
    public func monitor(_ pid: Pid) -> Ref {
        let ref = runtime.makeRef()
        guard let target = pid.process as? LocalProcess else {
            deliver(Self.downMessage(ref: ref, pid: pid, reason: .atom(Atom.noconnection)))
            return ref
        }
        // Record our side first: if the target dies meanwhile, its terminate
        // finds and removes it, so no stale monitor is left behind.
        shared.withLock { s in s.monitoring.append((ref, target)) }
        let alive = target.shared.withLock { s in
            guard s.exitReason == nil else { return false }
            s.monitoredBy.append((ref, self))
            return true
        }
        if !alive {
            shared.withLock { s in s.monitoring.removeAll { $0.ref == ref } }
            deliver(Self.downMessage(ref: ref, pid: pid, reason: .atom(Atom.noproc)))
        }
        return ref
    }

    /// Removes a monitor; see ``ProcessContext/demonitor(_:flush:)``.
    @discardableResult
    public func demonitor(_ ref: Ref, flush: Bool = false) -> Bool {
        let target = shared.withLock { s -> LocalProcess? in
            guard let i = s.monitoring.firstIndex(where: { $0.ref == ref }) else { return nil }
            return s.monitoring.remove(at: i).target
        }
        target?.shared.withLock { s in s.monitoredBy.removeAll { $0.ref == ref } }
        if flush {
            let refTerm = Term.ref(ref)
            removeMessages { m in m[element: 0] == .atom(Atom.down) && m[element: 1] == refTerm }
        }
        return target != nil
    }

    /// Sends an exit signal to `pid`; see ``ProcessContext/exit(_:reason:)``.
    public func exit(_ pid: Pid, reason: Term) {
        (pid.process as? LocalProcess)?.receiveExitSignal(from: self.pid, reason: reason, viaLink: false)
    }

    /// Handles an exit signal arriving at this process.
    func receiveExitSignal(from sender: Pid, reason: Term, viaLink: Bool) {
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
                return .wake(Self.enqueue(Self.exitMessage(from: sender, reason: reason), into: &s))
            }
            if reason == .normal { return .ignore }
            return .die(reason)
        }
        switch outcome {
        case .ignore: break
        case .wake(let waiter): waiter?.resume()
        case .die(let reason): terminate(reason)
        }
    }

    /// Ends the process with `reason`, once: tells its links and monitors,
    /// frees its name, wakes its task so that its next receive throws.
    func terminate(_ reason: Term) {
        struct Leftovers {
            var links: [LocalProcess]
            var monitoredBy: [(ref: Ref, watcher: LocalProcess)]
            var monitoring: [(ref: Ref, target: LocalProcess)]
            var name: Atom?
            var waiter: UnsafeContinuation<Void, Never>?
        }
        let leftovers = shared.withLock { s -> Leftovers? in
            guard s.exitReason == nil else { return nil }
            s.exitReason = reason
            defer {
                s.links = []; s.monitoredBy = []; s.monitoring = []
                s.inbox = []; s.waiter = nil
            }
            return Leftovers(links: s.links, monitoredBy: s.monitoredBy, monitoring: s.monitoring,
                             name: s.registeredName, waiter: s.waiter)
        }
        guard let leftovers else { return }
        leftovers.waiter?.resume()
        let me = pid
        if let name = leftovers.name { runtime.registry.remove(name, ifOwnedBy: self) }
        for linked in leftovers.links {
            linked.receiveExitSignal(from: me, reason: reason, viaLink: true)
        }
        for (ref, watcher) in leftovers.monitoredBy {
            let stillWatching = watcher.shared.withLock { s in
                guard let i = s.monitoring.firstIndex(where: { $0.ref == ref }) else { return false }
                s.monitoring.remove(at: i)
                return true
            }
            if stillWatching { watcher.deliver(Self.downMessage(ref: ref, pid: me, reason: reason)) }
        }
        for (ref, target) in leftovers.monitoring {
            target.shared.withLock { s in s.monitoredBy.removeAll { $0.ref == ref } }
        }
        runtime.processEnded(self, reason: reason, name: leftovers.name)
    }

    static func exitMessage(from pid: Pid, reason: Term) -> Term {
        .tuple([.atom(Atom.exit), .pid(pid), reason])
    }

    static func downMessage(ref: Ref, pid: Pid, reason: Term) -> Term {
        .tuple([.atom(Atom.down), .ref(ref), .atom(Atom.process), .pid(pid), reason])
    }
}
