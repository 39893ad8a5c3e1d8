@_spi(Runtime) import ReliveKit
import Logging
import Synchronization

/// A Relive node: the processes of one OS process, their registry and timers.
///
/// Processes run as Swift tasks on the node's scheduler. A node lives until
/// ``shutdown()``; processes still running then are killed.
public final class Node: Sendable {
    /// The code a process runs. Returning ends it with `normal`; throwing
    /// `ProcessExit(reason)` ends it with `reason`; any other error ends it
    /// with `{error, Type, Description}`.
    public typealias ProcessBody = @Sendable (LocalProcess) async throws -> Void

    /// The node's name and incarnation, part of every pid and reference.
    public let id: NodeID
    /// Where crash reports go.
    public let logger: Logger

    /// The behaviour modules loaded into the node, and who runs which version.
    public let modules = ModuleTable()
    /// The node's applications.
    public let applications = ApplicationController()
    /// Restarts and application exits, counted for the upgrade health gate.
    public let health = NodeHealth()
    private let haltState = Mutex<(reason: Term?, waiters: [CheckedContinuation<Term, Never>])>((nil, []))
    let registry = Registry()
    let timers = TimerService()
    /// The worker threads that run the processes (nil: Swift's default executor,
    /// chosen with `RELIVE_SCHEDULER=default`): the OS process's shared
    /// scheduler when it is installed as the default executor, else the node's own.
    let scheduler: Scheduler?
    /// The executor preference of the processes' tasks: the node's own
    /// scheduler, or none when the scheduler is the default executor (the
    /// preference costs a locked lookup on every hop).
    private let preference: Scheduler?
    private let serials = Atomic<UInt64>(0)
    private let refs = Atomic<UInt64>(0)
    /// The live processes, in shards by serial so that spawns and exits on
    /// different workers rarely take the same lock (one locked Dictionary was
    /// on every spawn and exit of the fan-out benchmark).
    private let table = ProcessTable()
    private let stopped = Atomic<Bool>(false)
    /// TCP for the node's processes (see Node+Network.swift).
    let network = Mutex<(any NetworkService)?>(nil)

    /// Starts a node.
    /// - Parameters:
    ///   - name: the node's name (`name@host`).
    ///   - creation: the incarnation; by default derived from the clock, so a
    ///     restarted node never reuses its predecessor's pids.
    ///   - logger: where crash reports go.
    public init(name: String = "relive@localhost", creation: UInt32? = nil,
                logger: Logger = Logger(label: "relive")) {
        let creationValue = creation ?? UInt32(truncatingIfNeeded: monotonicNanos() ^ UInt64(UInt32.random(in: 1...UInt32.max)))
        self.id = NodeID(name: Atom(name), creation: creationValue)
        self.logger = logger
        if let shared = Scheduler.installedDefault {
            scheduler = shared
            preference = nil
        } else {
            scheduler = Scheduler.makeForNode()
            preference = scheduler
        }
        timers.start()
    }

    /// Stops the node for `reason` (a permanent application ended, or the
    /// node was told to stop): every process is killed, and ``waitForHalt()``
    /// returns `reason`. The program running the node then exits, and the
    /// watchdog restarts it.
    public func halt(reason: Term) {
        let waiters = haltState.withLock { s -> [CheckedContinuation<Term, Never>] in
            guard s.reason == nil else { return [] }
            s.reason = reason
            defer { s.waiters = [] }
            return s.waiters
        }
        logger.notice("node halting", metadata: ["reason": "\(reason)"])
        shutdown()
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    /// Why the node halted, or nil while it runs.
    public var haltReason: Term? { haltState.withLock { $0.reason } }

    /// Waits until ``halt(reason:)`` and returns its reason.
    public func waitForHalt() async -> Term {
        await withCheckedContinuation { continuation in
            let reason = haltState.withLock { s -> Term? in
                if let reason = s.reason { return reason }
                s.waiters.append(continuation)
                return nil
            }
            if let reason { continuation.resume(returning: reason) }
        }
    }

    /// Spawns a process with no parent.
    @discardableResult
    public func spawn(_ body: @escaping ProcessBody) -> Pid {
        spawn(parent: nil, options: [], body).pid
    }

    /// Runs `body` as a process and returns its result: a way into the
    /// process world from plain async code (tests, `main`).
    ///
    /// - Guarantees: always returns, even when the node shuts down before or
    ///   while the process starts (then `body` may never run).
    /// - Throws: what `body` throws, or `ProcessExit` with the process's exit
    ///   reason (`killed` when the node shut down) if it ends otherwise.
    public func run<T: Sendable>(_ body: @escaping @Sendable (LocalProcess) async throws -> T) async throws -> T {
        if stopped.load(ordering: .acquiring) { throw ProcessExit(.atom(Atom.killed)) }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            // Answered once: by the body, or by the process's end if the body
            // never started (killed by a shutdown that raced the spawn). A body
            // that started always answers itself — a killed process's code runs
            // on to its next receive, which throws — so its result, not the
            // kill, is what the caller gets.
            let answer = Mutex<(continuation: CheckedContinuation<T, any Error>?, started: Bool)>((continuation, false))
            @Sendable func finish(_ result: Result<T, any Error>) {
                answer.withLock { a in defer { a.continuation = nil }; return a.continuation }?.resume(with: result)
            }
            _ = spawn(parent: nil, options: [], inheritTaskLocals: true,
                      onExit: { reason in
                          let orphaned = answer.withLock { a in a.started ? nil : a.continuation.take() }
                          orphaned?.resume(throwing: ProcessExit(reason))
                      }) { process in
                // Already answered: the process ended before its body could start.
                let live = answer.withLock { a -> Bool in
                    guard a.continuation != nil else { return false }
                    a.started = true
                    return true
                }
                guard live else { return }
                do {
                    finish(.success(try await body(process)))
                } catch {
                    finish(.failure(error))
                    throw error
                }
            }
        }
    }

    /// The process registered as `name`.
    public func whereis(_ name: Atom) -> Pid? { registry.whereis(name)?.pid }

    /// Names registered now.
    public var registeredNames: [Atom] { registry.registered }

    /// Number of live processes.
    public var processCount: Int { table.count }

    /// The live processes.
    public var processes: [Pid] { table.all.map(\.pid) }

    /// The local process behind `pid`, if it belongs to this node. Internal:
    /// a `LocalProcess`'s receive and private queue belong to its own task, so
    /// other code sees a process only through ``isAlive(_:)`` and ``exitReason(of:)``.
    func process(_ pid: Pid) -> LocalProcess? {
        guard let p = pid.process as? LocalProcess, p.runtime === self else { return nil }
        return p
    }

    /// Whether `pid` is a process of this node that has not ended
    /// (`is_process_alive/1`). False for a pid of another node.
    public func isAlive(_ pid: Pid) -> Bool { process(pid)?.isAlive ?? false }

    /// The reason the process `pid` of this node ended with; nil while it
    /// runs, or when `pid` belongs to another node.
    public func exitReason(of pid: Pid) -> Term? { process(pid)?.exitReason }

    /// The messages delivered to `pid` that it has not yet taken in (the
    /// mailbox's locked half), for observers such as `relive node processes`;
    /// nil for a pid of another node. Messages the process already took into
    /// its private half while scanning are not counted: that half belongs to
    /// the process's own task and is never read from another thread.
    public func inboxLength(of pid: Pid) -> Int? { process(pid)?.inboxLength }

    /// Kills every process and stops the timer thread. Returns once every
    /// process has been told; their tasks unwind at their next receive.
    public func shutdown() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let all = table.all
        for p in all { p.terminate(.atom(Atom.killed)) }
        timers.stop()
        // The service holds the node: dropping it here breaks the cycle.
        network.withLock { $0 = nil }
        // The shared default scheduler outlives every node.
        preference?.shutdown()
    }

    deinit { preference?.shutdown() }

    /// A new reference, unique on this node incarnation.
    public func makeRef() -> Ref {
        Ref(node: id, id: refs.wrappingAdd(1, ordering: .relaxed).newValue)
    }

    /// The first of `count` new references whose ids follow one another
    /// (`first.id ..< first.id + count`), taken in one atomic step.
    public func makeRefs(_ count: Int) -> Ref {
        let n = UInt64(max(count, 1))
        return Ref(node: id, id: refs.wrappingAdd(n, ordering: .relaxed).newValue &- n &+ 1)
    }

    func nextSerial() -> UInt64 { serials.wrappingAdd(1, ordering: .relaxed).newValue }

    func spawn(parent: LocalProcess?, options: SpawnOptions, inheritTaskLocals: Bool = false,
               onExit: (@Sendable (Term) -> Void)? = nil, _ body: @escaping ProcessBody) -> Spawned {
        let serial = nextSerial()
        let child = LocalProcess(runtime: self, serial: serial)
        var monitorRef: Ref? = nil
        if let onExit { child.shared.withLock { $0.onExit = onExit } }
        // The child is not visible to anyone yet, so its side needs no race care.
        if let parent, options.contains(.link) {
            parent.shared.withLock { $0.links.append(child) }
            child.shared.withLock { $0.links.append(parent) }
        }
        if let parent, options.contains(.monitor) {
            let ref = makeRef()
            parent.shared.withLock { $0.monitoring.insert(child, for: ref) }
            child.shared.withLock { $0.monitoredBy.append((ref, parent, nil)) }
            monitorRef = ref
        }
        table.insert(child)
        if stopped.load(ordering: .relaxed) {
            child.terminate(.atom(Atom.killed))
        } else {
            // Without a preference, the plain initialisers: given a nil
            // preference, `Task(executorPreference:)` still records one (an
            // undefined executor), and the runtime then takes the task's
            // status-record lock to look it up on every hop (32 % of a
            // ping-pong profile on the default-executor path).
            if inheritTaskLocals {
                // Not detached: the process sees the caller's task-locals (e.g.
                // the test that runs it). Measured slower per spawn (fan-out
                // 1.8-2.9 vs 1.3-1.6 µs a process), so only `run` asks for it.
                if let preference {
                    Task(executorPreference: preference) { await child.run(body) }
                } else {
                    Task { await child.run(body) }
                }
            } else if let preference {
                Task.detached(executorPreference: preference) { await child.run(body) }
            } else {
                Task.detached { await child.run(body) }
            }
        }
        return Spawned(pid: child.pid, monitor: monitorRef)
    }

    func processEnded(_ process: LocalProcess, reason: Term, name: Atom?) {
        table.remove(process)
        // Processes killed by shutdown() are not crashes.
        if !ExitReason.isNormal(reason) && !stopped.load(ordering: .relaxed) {
            var metadata: Logger.Metadata = ["pid": "\(process.pid)", "reason": "\(reason)"]
            if let name { metadata["registered_name"] = "\(name)" }
            logger.error("crash report: process \(process.pid) exited", metadata: metadata)
        }
    }
}
