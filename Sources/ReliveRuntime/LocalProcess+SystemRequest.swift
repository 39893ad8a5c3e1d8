@_spi(Runtime) import ReliveKit
import Synchronization

extension LocalProcess {
    /// The origin of ``systemRequestTakenAt``'s clock.
    static let clockEpoch = ContinuousClock.now

    /// Records that the process takes a combined `suspend_change_code`
    /// request now: from here on its handling time runs, not its wait.
    func noteSystemRequestTaken() {
        let elapsed = ContinuousClock.now - Self.clockEpoch
        let ns = elapsed.components.seconds &* 1_000_000_000 &+ elapsed.components.attoseconds / 1_000_000_000
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
