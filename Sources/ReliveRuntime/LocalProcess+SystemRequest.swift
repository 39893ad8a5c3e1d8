@_spi(Runtime) import ReliveKit
import Synchronization

extension LocalProcess {
    /// The origin of ``systemRequestTakenAt``'s clock.
    static let clockEpoch = ContinuousClock.now

    /// Records that the process takes a combined `suspend_change_code`
    /// request now: from here on its handling time runs, not its wait.
    func noteSystemRequestTaken() {
        let epoch = Self.clockEpoch   // first: set on first use, it must not be later than `now`
        let ns = Int64(clamping: (ContinuousClock.now - epoch).clampedNanoseconds)
        systemRequestTakenAt.store(ns &+ 1, ordering: .releasing)
    }

    /// When the process behind `pid` last took a combined
    /// `suspend_change_code` request, if it did at or after `since`: the
    /// moment it was suspended and began changing code, which a caller
    /// waiting for the answer counts the change's timeout from.
    /// - Returns: nil for a pid of another node, a process that has not
    ///   taken such a request since `since`, or one that never did.
    public static func systemRequestTaken(by pid: Pid, since: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard let process = pid.process as? LocalProcess else { return nil }
        let stamp = process.systemRequestTakenAt.load(ordering: .acquiring)
        guard stamp > 0 else { return nil }
        let taken = clockEpoch + .nanoseconds(stamp - 1)
        return taken >= since ? taken : nil
    }
}

extension LocalProcess {
    /// Whether a `sys` suspension holds (see ``systemSuspended``).
    @inline(__always)
    var isSystemSuspended: Bool { systemSuspended.load(ordering: .acquiring) }

    /// Set by the process itself as it suspends and resumes.
    func noteSystemSuspended(_ suspended: Bool) {
        systemSuspended.store(suspended, ordering: .releasing)
    }

    /// Ends the `sys` suspension of the process behind `pid` without a
    /// message: from the moment this returns, it takes every message again.
    /// A process parked with messages it passed over while suspended is
    /// woken to take them; one waiting for nothing is not run at all (it
    /// notices at its next message, and a later `resume` request finds it
    /// already running).
    ///
    /// What the release handler's commit uses to end an upgrade's pause in
    /// one store per process instead of a message, a wake-up and a reply each.
    /// - Returns: false, changing nothing, when `pid` is not a process of
    ///   this node under a `sys` suspension (one of another node, or one
    ///   that speaks `sys` itself, needs a `resume` request); true also for
    ///   one that ended meanwhile (nothing is left to resume).
    @discardableResult
    public static func releaseSuspension(of pid: Pid) -> Bool {
        guard let process = pid.process as? LocalProcess, process.isSystemSuspended else { return false }
        let waiter = process.shared.withLock { s -> UnsafeContinuation<Void, Never>? in
            guard s.exitReason == nil, process.isSystemSuspended else { return nil }
            process.systemSuspended.store(false, ordering: .releasing)
            s.rescan = true
            guard let waiter = s.waiter, s.queuedWhenParked else { return nil }
            s.waiter = nil
            return waiter
        }
        waiter?.resume()
        return true
    }
}
