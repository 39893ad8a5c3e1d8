import Glibc
import DequeModule
import Synchronization

/// The node scheduler: a Swift `TaskExecutor` (SE-0417) with one worker
/// thread per core. Either the OS process's default executor (installed by
/// `main`, see **Default executor** below) or, in test binaries, each node's
/// own, given to every process task as its executor preference
/// (`Task.detached(executorPreference:)` in `Node.spawn`). Either way every
/// resumption of a process (a message arriving, a timer firing, a yield)
/// comes back here through ``enqueue(_:)``.
///
/// Design. Every choice was measured with `relive-bench` (release) on the
/// 2-core VM, most of it while other builds kept the load at 3-8, so single
/// figures swing by 2x; the comparisons below are medians of interleaved
/// runs of the same binary with the knob switched by environment variable.
/// The latest side-by-side figures against Erlang are in BENCHMARKS.md.
///
/// - **Own executor vs Swift's default.** `RELIVE_SCHEDULER=default` keeps
///   the default executor (for comparisons). Own vs default, 3 interleaved
///   runs at load ~7: ping-pong 1336 vs 3106 ns per round trip, spawn until
///   blocked 5.9 vs 9.7 µs, fan-out 3.3 vs 3.6 µs per process, casts within
///   noise. At load ~2: ping-pong 786-861 vs 1378-1953 ns. On the quiet
///   host (tools/bench medians of 5): spawn 100k 1.93 vs 2.90 µs, spawn 1M
///   2.10 vs 3.93 µs, ping-pong 819 vs 1474 ns, fan-out 1379 vs 1445 ns;
///   casts 5.91 vs 6.32 M msgs/s (1 sender), 3.36 vs 3.92 (2 senders): the
///   receiver first waits in a sender's run-next slot (see below).
/// - **Workers and run queues.** `RELIVE_SCHEDULERS` workers (default: number
///   of cores). Each has a FIFO run queue (a `Deque` behind a short lock, so
///   that idle workers can steal from it) and a *run-next* slot. Hot paths
///   reach the workers through `pool` without reference counting: the idle
///   worker's retains of the others' objects were 23 % of the spawn
///   benchmark's samples and bounced the busy worker's cache lines.
/// - **Run next.** A job enqueued by the process running on a worker (the
///   receiver of a message it just sent, a child it just spawned) goes into
///   that worker's run-next slot and runs as soon as the current process
///   suspends, on the same thread, with no lock and no wake-up: the hand-off
///   that makes ping-pong cheap (Go's `runnext`, Tokio's LIFO slot). If the
///   slot was taken, its old occupant moves to the back of the run queue.
///   Measured: ping-pong 1336 ns with it, 1993 ns without (`RELIVE_RUNNEXT=0`).
///   Only the first process a job wakes in one run takes the slot; the next
///   ones go to the run queue, where an idle worker can take them at once (a
///   sender of many casts, a fan-out: fan-out 1398-1615 vs 1674-1809 ns per
///   process in interleaved runs).
/// - **Fairness.** After `runNextLimit` (64) consecutive run-next hops the
///   worker moves the run-next job to the back of its queue and takes the
///   front, so two processes ping-ponging cannot starve the queue (a probe
///   echo beside two ping-ponging pairs and a yield-looping process: worst
///   0.02-0.4 ms in `relive-bench stress`). A limit of 4 was not measurably
///   different. Every `globalInterval` jobs a worker looks at the global
///   queue first, so a worker with a long local queue still picks up
///   injected work. A process that yields (`Task.yield()`, the receive
///   reduction budget) enqueues itself; that goes to the back of the queue,
///   never to run-next.
/// - **A run-next job stuck behind a long-running process.** Nothing else
///   announces a filled run-next slot (waking a worker on every hop would
///   cost a futex wake per message), so: an idle worker parks with a timeout
///   (`stuckCheckNanos`, 0.5 ms) while any other worker is running, and
///   takes a run-next job if the slot's owner has started nothing new since
///   it last looked; it sleeps for good only when every worker is parked;
///   a fill while every other worker sleeps for good wakes one. (Sleeping for
///   good whenever no slot was filled at the moment of parking made nearly
///   every run-next fill of a ping-pong or a call wake the other worker with
///   a futex: 8 % of a call's profile; the timed park costs an idle worker
///   beside a busy one 2000 wake-ups a second.)
///   Measured: a process woken by one that then computes for 100 ms ran after
///   0.7-10 ms (it waited the whole 100 ms before); two CPU-bound processes
///   took 0.83-1.48x the time of one (1.9-2.15x before).
/// - **Injection.** Jobs enqueued from threads that are not this scheduler's
///   workers (the timer thread, `main`, another node's workers) go to one
///   global queue, and an idle worker is woken.
/// - **Stealing and waking.** When a job lands in a run queue while some
///   worker is parked and none is searching, one parked worker is woken; an
///   idle worker takes a share of the global queue, then steals half of
///   another worker's queue. So two busy processes use both cores.
/// - **Parking.** An idle worker that has just run something busy-polls the
///   queues for `spinNanos` (`RELIVE_SPIN_US`, default 200 µs), then parks on
///   its own POSIX semaphore (a futex when contended, one atomic when not).
///   Spawning 100k: 3.1-4.4 µs per process with 20 µs of spin (the spawner
///   kept paying `sem_post` wake-ups, 9 % of its profile), 2.3-2.8 with
///   200 µs. After a timed check-up wake it does not spin. No `sched_yield`
///   in the spin: on the loaded host each yield gave the core away for a
///   whole time slice (the stuck-run-next steal above took 15-56 ms with
///   yields). `tuneMalloc` sets a malloc top pad for the same benchmark.
///   A parked worker is a bit in `parkedMask`; a Dekker-style re-check after
///   setting the bit prevents lost wake-ups.
/// - **Shutdown.** ``shutdown()`` (called by `Node.shutdown()` after every
///   process was killed) lets workers run what is still queued (the killed
///   processes unwinding) for up to `stopGraceNanos`, then they exit and are
///   joined; what is left then (a killed process that never receives again,
///   e.g. one that only yields) goes to Swift's global executor, as does any
///   job enqueued after the last worker left, so no task is ever lost and no
///   thread is left behind. A node may be created and shut down any number of
///   times (`relive-bench stress` checks the thread count).
///
/// - **Default executor.** With a task executor preference, the Swift
///   runtime looks the preference up under the task's status-record lock on
///   every enqueue and on every `swift_task_switch` after a resumption
///   (`AsyncTask::getPreferredTaskExecutor`): 46 % of a ping-pong profile.
///   An executable that owns a node therefore installs one scheduler as the
///   OS process's default executor (`Node.installSchedulerAsDefaultExecutor()`,
///   Scheduler+DefaultExecutor.swift) as the first statement of `main`; its
///   processes are then plain tasks without a preference, every node shares
///   that scheduler, and it runs every job of the program (its jobs run on
///   the generic executor, as the platform's global executor's do). Test
///   binaries cannot install it and keep one scheduler per node as the
///   processes' preference (this paragraph's first sentence).
final class Scheduler: TaskExecutor, @unchecked Sendable {
    /// Consecutive run-next hops before the queue gets a turn
    /// (`RELIVE_RUNNEXT`; 0 turns the run-next slot off).
    let runNextLimit: Int
    /// Every this many jobs, a worker checks the global queue first.
    static let globalInterval: UInt64 = 61
    /// How long an idle worker searches (spinning) before it parks
    /// (`RELIVE_SPIN_US`, microseconds).
    let spinNanos: UInt64
    /// Whether this is the OS process's default executor (installed by
    /// `Node.installSchedulerAsDefaultExecutor()`): its jobs then run on
    /// Swift's generic executor, not on the scheduler as a task executor.
    let runsAsDefault: Bool

    final class Worker: @unchecked Sendable {
        let index: Int
        unowned(unsafe) let scheduler: Scheduler
        /// The run-next slot (a job's bits, 0 when empty). The owner fills and
        /// empties it; another worker may take it only when the owner has been
        /// stuck in one job for a while (see `stealStuckRunNext`).
        let runNextSlot = Atomic<UInt>(0)
        /// Owner-only: the job running now, the run-next streak.
        var current: UnsafeRawPointer? = nil
        var streak = 0
        var ticks: UInt64 = 0
        var started: UInt64 = 0
        var startedAtIdle: UInt64 = 0
        /// Whether the running job has put a job in the run-next slot.
        var wokenThisRun = false
        /// Owner-only: the others' `progress` at this worker's last timed park.
        var seenProgress: [UInt64]? = nil
        /// Jobs started so far, for other workers to see progress.
        let progress = Atomic<UInt64>(0)

        @inline(__always) func takeRunNext() -> UnownedJob? {
            if runNextSlot.load(ordering: .relaxed) == 0 { return nil }
            let bits = runNextSlot.exchange(0, ordering: .acquiringAndReleasing)
            return bits == 0 ? nil : unsafeBitCast(bits, to: UnownedJob.self)
        }

        /// Puts `job` in the slot; returns the job it displaced.
        @inline(__always) func putRunNext(_ job: UnownedJob, wokenBy w: Worker) -> UnownedJob? {
            w.wokenThisRun = true
            let old = runNextSlot.exchange(unsafeBitCast(job, to: UInt.self), ordering: .acquiringAndReleasing)
            return old == 0 ? nil : unsafeBitCast(old, to: UnownedJob.self)
        }
        /// The run queue; others steal from it.
        let queue = Mutex(Deque<UnownedJob>())
        let queued = Atomic<Int>(0)
        /// Where the worker parks. Both semaphores live in allocated memory,
        /// not in stored properties: other threads post them, and
        /// `&storedProperty` of a class gives C a pointer that Swift only
        /// promises for the duration of the call (it may be a temporary
        /// copy), and each such use is a formal modify access of the
        /// property, overlapping the other threads' (a data race for TSan and
        /// the exclusivity model). An allocated `sem_t` has one stable
        /// address for the worker's life; only the `sem_*` calls touch it,
        /// and they synchronise among themselves. Freed in `deinit`, after the
        /// thread has left (the thread holds the scheduler, which holds the
        /// worker, until then).
        let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        /// Posted when the thread has left its loop.
        let exited = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        var thread = pthread_t()

        init(index: Int, scheduler: Scheduler) {
            self.index = index
            self.scheduler = scheduler
            sem_init(semaphore, 0, 0)
            sem_init(exited, 0, 0)
        }
        deinit {
            sem_destroy(semaphore); sem_destroy(exited)
            semaphore.deallocate(); exited.deallocate()
        }

        @inline(__always) func push(_ job: UnownedJob) {
            queue.withLock { $0.append(job) }
            queued.add(1, ordering: .sequentiallyConsistent)
        }

        @inline(__always) func pop() -> UnownedJob? {
            if queued.load(ordering: .relaxed) == 0 { return nil }
            let job = queue.withLock { $0.popFirst() }
            if job != nil { queued.subtract(1, ordering: .relaxed) }
            return job
        }

        /// Moves up to half of this queue into `thief`'s queue; returns one job to run.
        func steal(into thief: Worker) -> UnownedJob? {
            if queued.load(ordering: .relaxed) == 0 { return nil }
            var taken: [UnownedJob] = []
            queue.withLock { q in
                let n = (q.count + 1) / 2
                guard n > 0 else { return }
                taken.reserveCapacity(n)
                for _ in 0..<n { taken.append(q.removeFirst()) }
            }
            if taken.isEmpty { return nil }
            queued.subtract(taken.count, ordering: .relaxed)
            let first = taken[0]
            if taken.count > 1 {
                thief.queue.withLock { $0.append(contentsOf: taken[1...]) }
                thief.queued.add(taken.count - 1, ordering: .sequentiallyConsistent)
            }
            return first
        }
    }

    /// Set once in init, before any thread starts; read-only after.
    private(set) var workers: [Worker] = []
    /// The same workers for the hot paths, read without reference counting
    /// (the spinning worker's retains and releases of the others' objects
    /// bounced their cache lines: 17 % of the spawn benchmark's samples).
    private let pool: UnsafeMutableBufferPointer<Unmanaged<Worker>>
    private let count: Int
    private let global = Mutex(GlobalQueue())
    private let globalCount = Atomic<Int>(0)
    private let parkedMask = Atomic<UInt64>(0)
    /// One bit per worker.
    private var allWorkersMask: UInt64 { count == 64 ? ~0 : (UInt64(1) << UInt64(count)) - 1 }
    /// The parked workers that sleep without a timeout.
    private let deepParked = Atomic<UInt64>(0)
    private let searching = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    /// When stopping: the time (monotonic ns) after which workers leave even
    /// if jobs remain; those go to Swift's global executor.
    private let stopDeadline = Atomic<UInt64>(.max)
    /// How long workers keep running the killed processes' unwinding after
    /// ``shutdown()``. A killed process that never receives again (say, one
    /// that only yields) would otherwise hold a worker for ever.
    static let stopGraceNanos: UInt64 = 250_000_000
    private let liveWorkers: Atomic<Int>
    /// The worker running on the current thread (any scheduler's).
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    struct GlobalQueue {
        var jobs = Deque<UnownedJob>()
        /// Set by the last worker to leave: later jobs go to Swift's global executor.
        var closed = false
    }

    /// Starts `threads` workers (default: `RELIVE_SCHEDULERS`, else the number of cores).
    init(threads: Int? = nil, runsAsDefault: Bool = false) {
        self.runsAsDefault = runsAsDefault
        let env = getenv("RELIVE_SCHEDULERS").flatMap { Int(String(cString: $0)) }
        let n = max(1, min(64, threads ?? env ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        spinNanos = 1000 * (getenv("RELIVE_SPIN_US").flatMap { UInt64(String(cString: $0)) } ?? 200)
        Self.tuneMalloc()
        runNextLimit = getenv("RELIVE_RUNNEXT").flatMap { Int(String(cString: $0)) } ?? 64
        liveWorkers = Atomic(n)
        count = n
        pool = .allocate(capacity: n)
        var ws: [Worker] = []
        for i in 0..<n { ws.append(Worker(index: i, scheduler: self)) }
        workers = ws
        for (i, w) in ws.enumerated() { pool.initializeElement(at: i, to: Unmanaged.passUnretained(w)) }
        for w in workers {
            // The thread keeps the scheduler alive until it has left.
            let box = Unmanaged.passRetained(ThreadStart(scheduler: self, worker: w)).toOpaque()
            pthread_create(&w.thread, nil, { arg in
                let start = Unmanaged<ThreadStart>.fromOpaque(arg!).takeRetainedValue()
                start.scheduler.runWorker(start.worker)
                sem_post(start.worker.exited)
                return nil
            }, box)
        }
    }

    private final class ThreadStart {
        let scheduler: Scheduler
        let worker: Worker
        init(scheduler: Scheduler, worker: Worker) { self.scheduler = scheduler; self.worker = worker }
    }

    /// Once per OS process: glibc grows a thread's malloc arena with an
    /// `mprotect` call per 128 KB by default; with a million processes being
    /// spawned on worker threads that was 13 % of the spawn benchmark. A 32 MB
    /// top pad makes the steps 32 MB (address space, not resident memory):
    /// spawn 100k went from 3.1-4.4 to 2.2-2.6 µs per process. Not done when
    /// `MALLOC_TOP_PAD_` is set; `RELIVE_MALLOC_TOP_PAD=0` turns it off.
    /// The node programs link mimalloc (Package.swift), where glibc's
    /// `mallopt` tunes an allocator nobody uses: this matters for the test
    /// binaries and any other program on glibc's malloc.
    private static let mallocTuned: Bool = {
        if getenv("MALLOC_TOP_PAD_") != nil { return false }
        let pad = getenv("RELIVE_MALLOC_TOP_PAD").flatMap { Int32(String(cString: $0)) } ?? (32 << 20)
        guard pad > 0, let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let M_TOP_PAD: Int32 = -2
        return unsafeBitCast(sym, to: Mallopt.self)(M_TOP_PAD, pad) == 1
    }()

    static func tuneMalloc() { _ = mallocTuned }

    /// Whether every worker is parked and nothing is queued: every process
    /// is blocked (the benchmarks' "run queues are empty").
    /// Asked from one of the workers (as the default executor, `main`'s
    /// task runs on them), that worker counts as idle when nothing waits in
    /// its own queue and run-next slot: it runs the asker, not a process.
    var isIdle: Bool {
        var all = allWorkersMask
        if let me = currentWorker() {
            if me.queued.load(ordering: .sequentiallyConsistent) != 0
                || me.runNextSlot.load(ordering: .sequentiallyConsistent) != 0 { return false }
            all &= ~(UInt64(1) << UInt64(me.index))
        }
        return parkedMask.load(ordering: .sequentiallyConsistent) & all == all
            && globalCount.load(ordering: .sequentiallyConsistent) == 0
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }

    deinit { pool.deallocate() }

    /// This scheduler's worker running on the current thread, if any.
    @inline(__always) private func currentWorker() -> Worker? {
        guard let p = pthread_getspecific(Self.key) else { return nil }
        let w = Unmanaged<Worker>.fromOpaque(p).takeUnretainedValue()
        return w.scheduler === self ? w : nil
    }

    /// Runs `body` on worker `i` without retaining it.
    @inline(__always) private func withWorker<R>(_ i: Int, _ body: (Worker) -> R) -> R {
        pool[i]._withUnsafeGuaranteedRef(body)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if let p = pthread_getspecific(Self.key) {
            let handled = Unmanaged<Worker>.fromOpaque(p)._withUnsafeGuaranteedRef { w -> Bool in
                guard w.scheduler === self else { return false }
                enqueueLocal(job, on: w)
                return true
            }
            if handled { return }
        }
        inject(job)
    }

    /// A job enqueued by the process running on worker `w`.
    @inline(__always) private func enqueueLocal(_ job: UnownedJob, on w: Worker) {
        do {
            let id = unsafeBitCast(job, to: UnsafeRawPointer.self)
            if id == w.current || runNextLimit == 0 || w.wokenThisRun {
                // The running process yields (to the back of the queue), or
                // it already woke another process in this run: it is a
                // producer (a sender of many casts, a fan-out), so the ones it
                // wakes go where an idle worker can take them at once.
                w.push(job)
                notify()
            } else if let old = w.putRunNext(job, wokenBy: w) {
                w.push(old)
                notify()
            } else if deepParked.load(ordering: .relaxed) != 0 {
                // Nobody watches run-next slots while every other worker
                // sleeps for good: wake one, it will check back on this slot
                // now and then (`stuckCheckNanos`) in case this process runs long.
                if searching.load(ordering: .relaxed) == 0 { unpark(deepParked.load(ordering: .relaxed)) }
            }
        }
    }

    private func inject(_ job: UnownedJob) {
        let closed = global.withLock { g -> Bool in
            if g.closed { return true }
            g.jobs.append(job)
            return false
        }
        if closed {
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
            return
        }
        globalCount.add(1, ordering: .sequentiallyConsistent)
        notify()
    }

    /// Wakes one parked worker if work is queued and nobody is searching for it.
    @inline(__always) private func notify() {
        if parkedMask.load(ordering: .sequentiallyConsistent) == 0 { return }
        if searching.load(ordering: .sequentiallyConsistent) > 0 { return }
        unparkOne()
    }

    private func unparkOne() { unpark(~0) }

    /// Wakes one parked worker among `candidates` (a mask of worker bits).
    private func unpark(_ candidates: UInt64) {
        var mask = parkedMask.load(ordering: .sequentiallyConsistent)
        while mask & candidates != 0 {
            let eligible = mask & candidates
            let bit = eligible & (~eligible &+ 1)
            let (done, seen) = parkedMask.compareExchange(expected: mask, desired: mask & ~bit,
                                                          ordering: .sequentiallyConsistent)
            if done {
                withWorker(bit.trailingZeroBitCount) { _ = sem_post($0.semaphore) }
                return
            }
            mask = seen
        }
    }

    private func takeGlobal(_ w: Worker) -> UnownedJob? {
        if globalCount.load(ordering: .relaxed) == 0 { return nil }
        // Take a fair share so one worker does not hoard the injected jobs.
        var batch: [UnownedJob] = []
        global.withLock { g in
            let n = min(g.jobs.count, max(1, g.jobs.count / count), 128)
            for _ in 0..<n { batch.append(g.jobs.removeFirst()) }
        }
        if batch.isEmpty { return nil }
        globalCount.subtract(batch.count, ordering: .relaxed)
        if batch.count > 1 {
            w.queue.withLock { $0.append(contentsOf: batch[1...]) }
            w.queued.add(batch.count - 1, ordering: .sequentiallyConsistent)
            notify()
        }
        return batch[0]
    }

    private func next(_ w: Worker) -> UnownedJob? {
        w.ticks &+= 1
        if w.ticks % Self.globalInterval == 0, let job = takeGlobal(w) {
            if let rn = w.takeRunNext() { w.push(rn) }
            w.streak = 0
            return job
        }
        if let rn = w.takeRunNext() {
            if w.streak < runNextLimit {
                w.streak += 1
                return rn
            }
            w.push(rn)
        }
        w.streak = 0
        if let job = w.pop() { return job }
        return takeGlobal(w)
    }

    private func search(_ w: Worker) -> UnownedJob? {
        if let job = takeGlobal(w) { return job }
        let n = count
        if n == 1 { return nil }
        let start = Int(w.ticks % UInt64(n))
        for i in 0..<n {
            let job = withWorker((start + i) % n) { victim -> UnownedJob? in
                victim === w ? nil : victim.steal(into: w)
            }
            if let job { return job }
        }
        return nil
    }

    /// How long a parked worker sleeps before it checks for a run-next job
    /// stuck behind a long-running process.
    static let stuckCheckNanos = 500_000

    /// Takes a job from another worker's run-next slot if that worker has not
    /// started a new job since `seen` was taken (its current process has run
    /// all that time): the job would otherwise wait until that process
    /// suspends, with this worker idle.
    private func stealStuckRunNext(_ w: Worker, seen: [UInt64]) -> UnownedJob? {
        for i in 0..<count {
            let job = withWorker(i) { v -> UnownedJob? in
                guard v !== w, v.runNextSlot.load(ordering: .relaxed) != 0,
                      v.progress.load(ordering: .relaxed) == seen[i] else { return nil }
                return v.takeRunNext()
            }
            if let job { return job }
        }
        return nil
    }

    private func anyWork() -> Bool {
        if globalCount.load(ordering: .sequentiallyConsistent) > 0 { return true }
        for i in 0..<count where withWorker(i, { $0.queued.load(ordering: .sequentiallyConsistent) > 0 }) { return true }
        return false
    }

    private func runWorker(_ w: Worker) {
        pthread_setspecific(Self.key, Unmanaged.passUnretained(w).toOpaque())
        let executor = asUnownedTaskExecutor()
        let bit = UInt64(1) << UInt64(w.index)
        outer: while true {
            if let job = next(w) {
                run(job, on: w, executor)
                if stopping.load(ordering: .relaxed) && monotonicNanos() > stopDeadline.load(ordering: .relaxed) {
                    break outer
                }
                continue
            }
            // Nothing local: search (spinning) for a while.
            searching.add(1, ordering: .sequentiallyConsistent)
            var found: UnownedJob? = nil
            // Busy-poll, without sched_yield: on a loaded host each yield can
            // give the core away for a whole time slice (measured: a run-next
            // steal took 15-56 ms with yields, 1-5 ms without).
            // Spin only when work was flowing (this worker ran something
            // since it last went idle), not after a timed check-up wake.
            let spinEnd = monotonicNanos() &+ (w.started != w.startedAtIdle ? spinNanos : 0)
            w.startedAtIdle = w.started
            var round = 0
            while true {
                if let job = search(w) { found = job; break }
                round &+= 1
                if round & 15 == 0 && monotonicNanos() >= spinEnd { break }
            }
            // A run-next job whose owner has started nothing new since this
            // worker's previous look (at least `stuckCheckNanos` ago).
            if found == nil, let seen = w.seenProgress { found = stealStuckRunNext(w, seen: seen) }
            w.seenProgress = nil
            let wasLast = searching.subtract(1, ordering: .sequentiallyConsistent).newValue == 0
            if let job = found {
                // The last searcher that finds work wakes another, Go-style,
                // so that a burst of jobs spreads over the workers.
                if wasLast && anyWork() { notify() }
                w.streak = 0
                run(job, on: w, executor)
                continue
            }
            if stopping.load(ordering: .acquiring) { break outer }
            // Park: announce, re-check, sleep.
            parkedMask.bitwiseOr(bit, ordering: .sequentiallyConsistent)
            if anyWork() || stopping.load(ordering: .sequentiallyConsistent) {
                parkedMask.bitwiseAnd(~bit, ordering: .sequentiallyConsistent)
                continue
            }
            let others = allWorkersMask & ~bit
            if parkedMask.load(ordering: .sequentiallyConsistent) & others != others {
                w.seenProgress = (0..<count).map { i in withWorker(i) { $0.progress.load(ordering: .relaxed) } }
                // Another worker is running: it may fill its run-next slot,
                // which no wake-up announces, and then run long. Look again in
                // a while in case its owner is stuck. (Sleeping for good here
                // made every run-next fill of a ping-pong or a call wake this
                // worker with a futex: 8 % of a call's profile.)
                var deadline = timespec()
                clock_gettime(CLOCK_REALTIME, &deadline)
                deadline.tv_nsec += Self.stuckCheckNanos
                if deadline.tv_nsec >= 1_000_000_000 { deadline.tv_sec += 1; deadline.tv_nsec -= 1_000_000_000 }
                while sem_timedwait(w.semaphore, &deadline) != 0 && errno == EINTR {}
            } else {
                deepParked.bitwiseOr(bit, ordering: .sequentiallyConsistent)
                while sem_wait(w.semaphore) != 0 && errno == EINTR {}
                deepParked.bitwiseAnd(~bit, ordering: .sequentiallyConsistent)
            }
            parkedMask.bitwiseAnd(~bit, ordering: .sequentiallyConsistent)
        }
        leave(w)
    }

    @inline(__always) private func run(_ job: UnownedJob, on w: Worker, _ executor: UnownedTaskExecutor) {
        w.current = unsafeBitCast(job, to: UnsafeRawPointer.self)
        w.started &+= 1
        w.wokenThisRun = false
        w.progress.store(w.started, ordering: .relaxed)
        if runsAsDefault {
            job.runSynchronously(on: Self.genericExecutor)
        } else {
            job.runSynchronously(on: executor)
        }
        w.current = nil
    }

    /// A worker's exit: the last one closes the global queue and hands what is
    /// left in any queue to Swift's global executor.
    private func leave(_ w: Worker) {
        pthread_setspecific(Self.key, nil)
        guard liveWorkers.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        var leftovers = global.withLock { g -> [UnownedJob] in
            g.closed = true
            defer { g.jobs.removeAll() }
            return Array(g.jobs)
        }
        for v in workers {
            leftovers.append(contentsOf: v.queue.withLock { q -> [UnownedJob] in
                defer { q.removeAll() }
                return Array(q)
            })
            if let rn = v.takeRunNext() { leftovers.append(rn) }
        }
        for job in leftovers { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// Stops the workers once the queues are drained and joins them (except
    /// the calling thread, if it is a worker: it leaves after its current job).
    /// Idempotent.
    func shutdown() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        stopDeadline.store(monotonicNanos() &+ Self.stopGraceNanos, ordering: .relaxed)
        for w in workers { sem_post(w.semaphore) }
        let me = currentWorker()
        for w in workers {
            if w === me {
                pthread_detach(w.thread)
                continue
            }
            // A process that never returns to its scheduler would block the
            // join for ever; give up after a while and let the thread go.
            var deadline = timespec()
            clock_gettime(CLOCK_REALTIME, &deadline)
            deadline.tv_sec += 10
            var r: Int32
            repeat { r = sem_timedwait(w.exited, &deadline) } while r != 0 && errno == EINTR
            if r == 0 { pthread_join(w.thread, nil) } else { pthread_detach(w.thread) }
        }
    }
}

extension Scheduler {
    /// The scheduler a new node uses: its own, unless `RELIVE_SCHEDULER=default`
    /// asks for Swift's default executor (for comparisons).
    static func makeForNode() -> Scheduler? {
        if let v = getenv("RELIVE_SCHEDULER"), String(cString: v) == "default" { return nil }
        return Scheduler()
    }
}

extension Node {
    /// Whether the node's scheduler has nothing to run (every process is
    /// blocked); nil on Swift's default executor, which cannot tell.
    public var isQuiescent: Bool? { scheduler?.isIdle }

    /// Number of the node's scheduler threads (0 on the default executor).
    public var schedulerThreads: Int { scheduler?.workers.count ?? 0 }
}
