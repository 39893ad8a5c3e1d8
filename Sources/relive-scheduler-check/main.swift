// Runtime checks on the installed-scheduler path: this executable installs
// the node scheduler as the default executor (as a node's `main` does), then
// runs processes without a task executor preference (and with mimalloc as
// malloc) through ping-pong, links and exits, timers and `Task.sleep`,
// gen_server calls and casts, actors, a fan-out, and a second node. Test binaries cannot install it (tasks run
// before their code), so ReliveRuntimeTests' `InstalledSchedulerTests` runs
// this program and reads its output.
//
// Prints `ok NAME` or `FAIL NAME: why` per check, then `installed-path: N
// checks, F failed`; exits 0 only when every check passed, 2 when the
// scheduler could not be installed.
import Glibc
import ReliveKit
import ReliveRuntime

guard Node.installSchedulerAsDefaultExecutor() else {
    print("FAIL install: the scheduler could not be installed as the default executor")
    exit(2)
}

struct CheckFailed: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// (Static, not top-level functions: those would be captured by the
/// process closures as main.swift globals.)
enum Check {
    static func require(_ condition: Bool, _ why: @autoclosure () -> String) throws {
        if !condition { throw CheckFailed(why()) }
    }

    /// Whether the current task was created with a task executor preference
    /// option: bit 29 (`Task_HasInitialTaskExecutorPreference`, Swift's
    /// `MetadataValues.h`) of the job flags, which sit after the heap object
    /// header and the job's two scheduler words (offset 32 on 64-bit). Read
    /// raw because no API shows it; the runtime tests it on every hop.
    static func taskHasPreferenceFlag() -> Bool {
        withUnsafeCurrentTask { task -> Bool in
            guard let task, MemoryLayout<UnsafeCurrentTask>.size == MemoryLayout<UnsafeRawPointer>.size else { return false }
            let object = unsafeBitCast(task, to: UnsafeRawPointer.self)
            let flags = object.load(fromByteOffset: 32, as: UInt32.self)
            return flags & (1 << 29) != 0
        }
    }

    /// A message that must come: waits up to 10 s (a guard, not a budget).
    static func expect<T>(_ p: LocalProcess, _ what: String, _ match: (Term) -> T?) async throws -> T {
        guard let value = try await p.receive(timeout: .seconds(10), matching: match) else {
            throw CheckFailed("missing: \(what)")
        }
        return value
    }
}

/// Counts casts, answers `ping` with `pong` and `count` with the count.
struct CountingServer: GenServerBehaviour {
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Int> { .ok(0) }
    func handleCall(_ request: Term, from: CallFrom, state: inout Int,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        request == .atom("count") ? .reply(.int(state)) : .reply(.atom("pong"))
    }
    func handleCast(_ request: Term, state: inout Int, process: any ProcessContext) async throws -> GenServerResult {
        state += 1
        return .noreply
    }
    func exportState(_ state: Int) -> Term { .int(state) }
    func importState(_ term: Term) throws -> Int { term.intValue ?? 0 }
}

actor Tally {
    var value = 0
    func add(_ n: Int) -> Int { value += n; return value }
}

var checks: [(String, (Node) async throws -> Void)] = []

checks.append(("allocator", { _ in
    // The node programs link mimalloc (Package.swift's `nodeAllocator`); it
    // only replaces glibc's malloc if it comes before libc in the lookup
    // order, so ask where `malloc` resolves.
    let global = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc")
    guard let mimalloc = dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_NOLOAD) else {
        throw CheckFailed("libmimalloc.so.2 is not loaded")
    }
    defer { dlclose(mimalloc) }
    try Check.require(global != nil && global == dlsym(mimalloc, "malloc"),
                      "malloc resolves to another library than mimalloc (link order)")
}))

checks.append(("no-preference", { node in
    try Check.require(node.runsOnDefaultExecutor, "the node does not run on the installed scheduler")
    try Check.require(node.schedulerThreads > 0, "no scheduler threads")
    let hasPreference = try await node.run { _ in withUnsafeCurrentTask { $0?.unownedTaskExecutor != nil } }
    try Check.require(!hasPreference, "a process has a task executor preference")
    // The runtime's own flag, which `unownedTaskExecutor` does not show: a
    // task created with a nil preference still has it, and then pays a
    // locked lookup on every hop. Both spawn paths (`run` and `spawn`).
    let (runFlagged, spawnFlagged) = try await node.run { p -> (Bool, Bool) in
        let me = p.pid
        p.spawn { q in me.send(.atom(Check.taskHasPreferenceFlag() ? "flagged" : "clear")) }
        let spawned = try await Check.expect(p, "the spawned process's answer") { $0.atomValue }
        return (Check.taskHasPreferenceFlag(), spawned == Atom("flagged"))
    }
    try Check.require(!runFlagged, "a process started by run carries the runtime's executor-preference flag")
    try Check.require(!spawnFlagged, "a spawned process carries the runtime's executor-preference flag")
}))

checks.append(("ping-pong", { node in
    let total = try await node.run { p -> Int in
        let ponger = p.spawn { q in
            while true {
                let m = try await q.receive()
                guard case .pid(let from) = m[element: 0], let n = m[element: 1]?.intValue else { return }
                from.send(.int(n + 1))
            }
        }
        var sum = 0
        for i in 0..<10_000 {
            ponger.send(.tuple([.pid(p.pid), .int(i)]))
            sum += try await Check.expect(p, "pong \(i)") { $0.intValue }
        }
        p.exit(ponger, reason: .atom("kill"))
        return sum
    }
    try Check.require(total == (1...10_000).reduce(0, +), "wrong sum of replies: \(total)")
}))

checks.append(("links-and-exits", { node in
    let (trapped, down) = try await node.run { p -> (Term, Term) in
        p.trapExit = true
        let crasher = p.spawnLink { _ in throw ProcessExit(.atom("boom")) }
        let trapped = try await Check.expect(p, "EXIT from the crasher") { m -> Term? in
            m[element: 0] == .atom(Atom.exit) && m[element: 1] == .pid(crasher) ? m[element: 2] : nil
        }
        // A process that does not trap exits dies with its linked child.
        let (victim, ref) = p.spawnMonitor { q in
            _ = q.spawnLink { _ in throw ProcessExit(.atom("chain")) }
            _ = try await q.receive()
        }
        let down = try await Check.expect(p, "DOWN of the linked victim") { m -> Term? in
            m[element: 1] == .ref(ref) && m[element: 3] == .pid(victim) ? m[element: 4] : nil
        }
        return (trapped, down)
    }
    try Check.require(trapped == .atom("boom"), "EXIT reason \(trapped)")
    try Check.require(down == .atom("chain"), "DOWN reason \(down)")
}))

checks.append(("timers-and-sleep", { node in
    let clock = ContinuousClock()
    let (timed, timeout, slept) = try await node.run { p -> (Term, Bool, Duration) in
        _ = p.sendAfter(.milliseconds(20), .atom("tick"), to: p.pid)
        let timed = try await Check.expect(p, "the timer's message") { $0 == .atom("tick") ? $0 : nil }
        let none = try await p.receive(timeout: .milliseconds(20)) { $0 == .atom("never") ? true : nil }
        // A long timeout takes the timer service's lock-free (lazy) path.
        let lazyNone = try await p.receive(timeout: .milliseconds(60)) { $0 == .atom("never") ? true : nil }
        let start = clock.now
        try await Task.sleep(for: .milliseconds(15))
        return (timed, none == nil && lazyNone == nil, clock.now - start)
    }
    try Check.require(timed == .atom("tick"), "timer message \(timed)")
    try Check.require(timeout, "a receive with a timeout returned a message that was never sent")
    try Check.require(slept >= .milliseconds(15), "Task.sleep in a process returned early: \(slept)")
    // The main task sleeps too (its delayed job goes through the scheduler).
    let start = clock.now
    try await Task.sleep(for: .milliseconds(5))
    try Check.require(clock.now - start >= .milliseconds(5), "Task.sleep in main returned early")
}))

checks.append(("gen-server", { node in
    try node.modules.load(LoadedModule(name: "check_srv", version: "1", code: .genServer(CountingServer())))
    let (reply, count) = try await node.run { p -> (Term, Term) in
        guard let server = try await GenServer.start("check_srv", args: .list([]), link: false, from: p).pid else {
            throw CheckFailed("gen_server did not start")
        }
        let reply = try await GenServer.call(server, .atom("ping"), process: p)
        for _ in 0..<1000 { GenServer.cast(server, .atom("inc")) }
        return (reply, try await GenServer.call(server, .atom("count"), process: p))
    }
    try Check.require(reply == .atom("pong"), "call reply \(reply)")
    try Check.require(count == .int(1000), "casts counted: \(count)")
}))

checks.append(("fan-out-and-actors", { node in
    let tally = Tally()
    let replies = try await node.run { p -> Int in
        let me = p.pid
        for i in 0..<2000 {
            p.spawn { q in
                _ = await tally.add(1)
                q.send(.int(i), to: me)
            }
        }
        var seen = Set<Int>()
        while seen.count < 2000 { seen.insert(try await Check.expect(p, "fan-out reply") { $0.intValue }) }
        return seen.count
    }
    try Check.require(replies == 2000, "replies \(replies)")
    let value = await tally.value
    try Check.require(value == 2000, "actor tally \(value)")
}))

checks.append(("quiescent", { node in
    // `main`'s task runs on a worker here: asked from it, the scheduler
    // must still see that every process is blocked.
    _ = try await node.run { p in for _ in 0..<100 { p.spawn { q in _ = try await q.receive() } } }
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(10)
    var streak = 0
    while streak < 2 && clock.now < deadline {
        streak = node.isQuiescent == true ? streak + 1 : 0
        usleep(100)
    }
    try Check.require(streak == 2, "never quiescent with every process blocked")
}))

checks.append(("second-node", { first in
    // Shutting a node down leaves the shared scheduler running for the next.
    let other = Node(name: "check2@localhost")
    try Check.require(other.runsOnDefaultExecutor, "the second node has its own scheduler")
    let echoed = try await other.run { p -> Term in
        let echo = p.spawn { q in
            guard case .pid(let from) = try await q.receive() else { return }
            from.send(.atom("echo"))
        }
        echo.send(.pid(p.pid))
        return try await Check.expect(p, "echo") { $0 == .atom("echo") ? $0 : nil }
    }
    other.shutdown()
    try Check.require(echoed == .atom("echo"), "echo \(echoed)")
    let after = try await first.run { _ in 42 }
    try Check.require(after == 42, "the first node stopped running processes after the second's shutdown")
}))

var failed = 0
let node = Node(name: "check@localhost")
for (name, check) in checks {
    do {
        try await check(node)
        print("ok \(name)")
    } catch {
        failed += 1
        print("FAIL \(name): \(error)")
    }
}
node.shutdown()
print("installed-path: \(checks.count) checks, \(failed) failed")
fflush(nil)
exit(failed == 0 ? 0 : 1)
