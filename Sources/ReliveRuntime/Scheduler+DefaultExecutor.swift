import Glibc
import Synchronization
#if compiler(>=6.3)
@_spi(ExperimentalCustomExecutors) @_spi(ExperimentalScheduling) import _Concurrency
#endif

// The scheduler as the OS process's default executor.
//
// Why: a task with a task executor preference makes the Swift runtime look
// the preference up under the task's status-record lock on every enqueue and
// every `swift_task_switch` (20-46 % of the message path in BENCHMARKS.md's
// profiles). With the scheduler installed as the default executor
// (`_createExecutors(factory:)`, SPI in Swift 6.3), processes are plain
// detached tasks without a preference and still run on the scheduler.
//
// How it is guarded: compiled only with Swift >= 6.3 (the SPI's first
// release; it is a pitch and may change in 6.4); installed only when the
// executable's `main` asks for it as its first statement, before any task
// exists (test binaries run tasks before user code: they keep the
// preference path); refused at run time when the platform executor cannot
// take delayed jobs (`Task.sleep` needs them). Every node of the OS process
// then shares the one installed scheduler, which is never shut down.

extension Scheduler {
    /// The scheduler installed as the default executor, if any. Written once,
    /// by ``Node/installSchedulerAsDefaultExecutor()``.
    static let installed = Mutex<Scheduler?>(nil)

    /// The installed scheduler, read once by every new node.
    static var installedDefault: Scheduler? { installed.withLock { $0 } }

    /// Swift's generic executor (`SerialExecutorRef::generic()`, two null
    /// words): what the platform's global executor runs its jobs on. Jobs of
    /// the installed scheduler run on it, so that a task without a preference
    /// sees no task executor and `swift_task_switch` stays inline; run on the
    /// scheduler as a task executor, every resumption would hop again.
    static let genericExecutor: UnownedSerialExecutor = unsafeBitCast((UInt(0), UInt(0)), to: UnownedSerialExecutor.self)
}

#if compiler(>=6.3)
/// Delayed jobs (`Task.sleep`): the scheduler has no timer of its own, so a
/// delayed job goes to the platform's default executor wrapped in a
/// trampoline, which enqueues it back here when it is due.
extension Scheduler: SchedulingExecutor {
    /// The platform executor that keeps delayed jobs until they are due.
    static let timerExecutor: (any SchedulingExecutor)? = PlatformExecutorFactory.defaultExecutor as? any SchedulingExecutor

    func enqueue<C: Clock>(_ job: consuming ExecutorJob, after delay: C.Duration,
                           tolerance: C.Duration?, clock: C) {
        let trampoline = job.createTrampoline(to: self)
        guard let timers = Self.timerExecutor else {
            // Not reached: installation is refused without a timer executor,
            // and on the preference path the platform default sleeps tasks.
            enqueue(trampoline)
            return
        }
        timers.enqueue(trampoline, after: delay, tolerance: tolerance, clock: clock)
    }

    func enqueue<C: Clock>(_ job: consuming ExecutorJob, at instant: C.Instant,
                           tolerance: C.Duration?, clock: C) {
        let trampoline = job.createTrampoline(to: self)
        guard let timers = Self.timerExecutor else {
            enqueue(trampoline)
            return
        }
        timers.enqueue(trampoline, at: instant, tolerance: tolerance, clock: clock)
    }
}

/// What `_createExecutors` installs: the platform's main executor and the
/// installed scheduler as the default.
enum ReliveExecutorFactory: ExecutorFactory {
    static var mainExecutor: any MainExecutor { PlatformExecutorFactory.mainExecutor }
    static var defaultExecutor: any TaskExecutor {
        // Set just before `_createExecutors` calls this.
        Scheduler.installedDefault ?? PlatformExecutorFactory.defaultExecutor
    }
}
#endif

extension Node {
    /// Makes the node scheduler the default executor of this OS process, so
    /// that processes run without a task executor preference (the fast path).
    ///
    /// Call it as the **first statement of `main`** in an executable that
    /// runs a node, before any task is created: the runtime stores its
    /// executors with plain writes. Never call it from a test binary or a
    /// library. Idempotent.
    ///
    /// Not installed (returns false, and every node keeps its own scheduler
    /// as a task executor preference, the path the tests run) when the
    /// compiler is older than Swift 6.3, when `RELIVE_SCHEDULER=default` or
    /// `RELIVE_DEFAULT_EXECUTOR=0` is set (for comparisons), or when the
    /// platform executor cannot hold delayed jobs for `Task.sleep`.
    ///
    /// Guarantees once installed: every node of the OS process shares the one
    /// scheduler (`RELIVE_SCHEDULERS` workers), `Node.shutdown()` leaves it
    /// running, and every task of the program (actors included) runs on it.
    /// - Returns: whether the scheduler is the default executor.
    @discardableResult
    public static func installSchedulerAsDefaultExecutor() -> Bool {
        #if compiler(>=6.3)
        if Scheduler.installedDefault != nil { return true }
        if let v = getenv("RELIVE_SCHEDULER"), String(cString: v) == "default" { return false }
        if let v = getenv("RELIVE_DEFAULT_EXECUTOR"), String(cString: v) == "0" { return false }
        guard Scheduler.timerExecutor != nil,
              MemoryLayout<UnownedSerialExecutor>.size == 2 * MemoryLayout<UInt>.size else { return false }
        let scheduler = Scheduler(runsAsDefault: true)
        Scheduler.installed.withLock { $0 = scheduler }
        _createExecutors(factory: ReliveExecutorFactory.self)
        // The runtime may refuse (executors created already): then the
        // nodes keep the preference path.
        guard (Task.defaultExecutor as AnyObject) === scheduler else {
            Scheduler.installed.withLock { $0 = nil }
            scheduler.shutdown()
            return false
        }
        return true
        #else
        return false
        #endif
    }

    /// Whether this node's processes run on a scheduler installed as the
    /// default executor (no task executor preference).
    public var runsOnDefaultExecutor: Bool { scheduler?.runsAsDefault ?? false }
}
