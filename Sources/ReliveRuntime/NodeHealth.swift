import ReliveKit
import Synchronization

/// What went wrong on a node, counted as it happens: the health gate of an
/// upgrade (`relive node upgrade --health-window`) compares two snapshots.
///
/// Supervisors count every child they restart (OTP's `child_terminated`
/// report) and every time one gave up (`reached_max_restart_intensity`);
/// the application controller counts applications that ended by themselves.
public final class NodeHealth: Sendable {
    /// One moment's counts.
    public struct Snapshot: Sendable, Equatable {
        /// Children that ended as OTP reports it (`child_terminated`): restarted, or temporary ones that crashed.
        public var childExits = 0
        /// Supervisors that exceeded their restart intensity.
        public var supervisorsGivenUp = 0
        /// Applications whose tree ended by itself.
        public var applicationExits = 0
        /// The latest event, for people: who crashed, why.
        public var last: String? = nil

        public init() {}
    }

    private let state = Mutex(Snapshot())

    public init() {}

    /// The counts now.
    public var snapshot: Snapshot { state.withLock { $0 } }

    func childTerminated(supervisor: String, child: Term, reason: Term) {
        state.withLock {
            $0.childExits += 1
            $0.last = "\(supervisor): child \(child) ended with \(Self.short(reason))"
        }
    }

    func supervisorGaveUp(supervisor: String, child: Term) {
        state.withLock {
            $0.supervisorsGivenUp += 1
            $0.last = "\(supervisor): reached its restart intensity (last child \(child))"
        }
    }

    func applicationEnded(_ name: Atom, reason: Term) {
        state.withLock {
            $0.applicationExits += 1
            $0.last = "application \(name) ended with \(Self.short(reason))"
        }
    }

    /// A reason cut to a readable length (crash reasons carry stack-like detail).
    private static func short(_ reason: Term) -> String {
        let text = "\(reason)"
        return text.count <= 200 ? text : String(text.prefix(200)) + "…"
    }
}
