@_spi(Runtime) import ReliveKit
import DequeModule
import Synchronization

/// A process on this node: a mailbox, links, monitors and the Swift task that
/// runs its code.
///
/// The mailbox has two halves, as in BEAM: senders append to the shared
/// `inbox` under a short lock; the process moves the whole inbox into its
/// private `queue` at once and scans that without locking, so a selective
/// receive never holds a lock while user code matches messages.
///
/// Everything other processes may touch (inbox, links, monitors, the exit
/// reason) lives in ``Shared`` behind one lock. `queue` and `reductions` are
/// touched only by the process's own task.
public final class LocalProcess: ProcessEndpoint, @unchecked Sendable {
    /// The node this process belongs to.
    public let runtime: Node
    /// Set once the process has ended, so that `receive` can stop a killed
    /// process without taking the lock on its fast path. (Kept away from
    /// `shared`, which other cores write: on its cache line this load cost
    /// a fifth of a ping-pong round trip.)
    let dead = Atomic<Bool>(false)
    /// When the process last took a `suspend_change_code` request, in
    /// nanoseconds past ``LocalProcess/clockEpoch`` plus one (0: never), so
    /// that the caller can tell, without a message, whether a request not yet
    /// answered is still waiting or being handled (see
    /// ``LocalProcess/systemRequestTaken(by:since:)``).
    let systemRequestTakenAt = Atomic<Int64>(0)
    /// Set while a behaviour process is suspended by `sys`; cleared by its
    /// own `resume`, or by the release handler without a message
    /// (``LocalProcess/releaseSuspension(of:)``), which ends the pause of a
    /// process that is waiting for nothing in one store.
    let systemSuspended = Atomic<Bool>(false)

    struct Shared {
        var inbox: Deque<Term> = []
        var waiter: UnsafeContinuation<Void, Never>? = nil
        /// The token of the receive timeout now armed, and of the one that fired.
        var armedToken: UInt64 = 0
        var timedOutToken: UInt64 = 0
        /// Set once, when the process ends: the reason its links and monitors see.
        var exitReason: Term? = nil
        var trapExit = false
        var links: [LocalProcess] = []
        /// Monitors other processes hold on this one.
        /// `name` is set for a monitor taken by registered name: its 'DOWN'
        /// names `{Name, Node}`, as in OTP.
        var monitoredBy: [(ref: Ref, watcher: LocalProcess, name: Atom?)] = []
        /// Monitors this process holds on others, by reference.
        var monitoring = MonitorTable()
        var registeredName: Atom? = nil
        /// Set by ``LocalProcess/releaseSuspension(of:)``: the messages a
        /// suspended receive passed over are to be looked at again.
        var rescan = false
        /// Whether the private queue held messages when the process parked
        /// (written by the process under this lock, so a waker may read it).
        var queuedWhenParked = false
        /// Called once with the exit reason when the process ends (``Node/run(_:)``
        /// uses it so that its caller is answered even if the body never runs).
        var onExit: (@Sendable (Term) -> Void)? = nil
    }

    let shared = Mutex(Shared())

    /// The private half of the mailbox (owned by the process's task).
    var queue: Deque<Term> = []
    /// Receives answered without waiting since the last yield (fairness).
    var reductions = 0
    /// Tokens for receive timeouts.
    var nextWaitToken: UInt64 = 0
    /// The timeout of this process's long receive waits (a call's 5 s),
    /// armed again by every such receive; made at the first.
    lazy var receiveTimeout = TimerService.LazyTimeout { [weak self] token in self?.receiveTimedOut(token) }

    /// A process may run this many receives that find a message at once
    /// before it yields its scheduler thread to others.
    static let reductionBudget = 2_000

    init(runtime: Node, serial: UInt64) {
        self.runtime = runtime
        super.init(node: runtime.id, serial: serial)
    }

    /// This process's pid.
    public var pid: Pid { Pid(self) }

    /// Whether the process has not ended yet. One atomic load, no lock (the
    /// module table asks it of every user of a module during an upgrade): the
    /// flag is set with the exit reason, under the same lock, and before any
    /// link, monitor or registry learns of the end, so whoever has seen the
    /// end in any way sees false.
    override public var isAlive: Bool { !dead.load(ordering: .acquiring) }

    /// The reason the process ended with, or nil while it runs.
    public var exitReason: Term? { shared.withLock { $0.exitReason } }

    /// The registered name, if any.
    public var registeredName: Atom? { shared.withLock { $0.registeredName } }

    /// Number of messages waiting (both halves of the mailbox). Only exact
    /// when called by the process itself (the private half is read unlocked:
    /// a `LocalProcess` is handed out only to its own body, never by pid).
    public var messageQueueLength: Int { queue.count + shared.withLock { $0.inbox.count } }

    /// Number of messages in the locked half of the mailbox; safe from any thread.
    var inboxLength: Int { shared.withLock { $0.inbox.count } }

    override public func deliver(_ message: Term) {
        let waiter = shared.withLock { s in enqueue(message, into: &s) }
        waiter?.resume()
    }

    /// Queues a message for this live process; returns the waiter to resume.
    ///
    /// Call it holding `shared`'s lock, with `s` its state. A process
    /// parked in a receive (a waiter set) has an empty inbox and touches its
    /// private queue again only once resumed, which happens after this lock
    /// is released: so the message goes straight into the private queue, and
    /// the woken receive takes it without taking the lock again (one lock a
    /// message instead of two). Messages that arrive before the process runs
    /// find no waiter and go to the inbox, behind this one.
    func enqueue(_ message: Term, into s: inout Shared) -> UnsafeContinuation<Void, Never>? {
        guard s.exitReason == nil else { return nil }
        guard let waiter = s.waiter else {
            s.inbox.append(message)
            return nil
        }
        queue.append(message)
        s.waiter = nil
        return waiter
    }

    /// Runs the process body and ends the process with its outcome.
    func run(_ body: @escaping Node.ProcessBody) async {
        let reason: Term
        do {
            try await body(self)
            reason = .normal
        } catch let exit as ProcessExit {
            reason = exit.reason
        } catch {
            reason = ExitReason.from(error)
        }
        terminate(reason)
    }
}
