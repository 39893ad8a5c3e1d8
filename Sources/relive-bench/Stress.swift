// `relive-bench stress [SECONDS]`: a quick stress check of the scheduler (not
// a benchmark, not part of the test suite). Repeats rounds of checks until
// the time is up; prints one line per check and exits 1 on the first failure.
@_spi(Runtime) import ReliveKit
import ReliveRuntime
import Glibc
import Synchronization

/// Threads of this OS process (entries of /proc/self/task).
func threadCount() -> Int {
    guard let dir = opendir("/proc/self/task") else { return -1 }
    defer { closedir(dir) }
    var n = 0
    while let e = readdir(dir) {
        let name = withUnsafePointer(to: e.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        if name != "." && name != ".." { n += 1 }
    }
    return n
}

struct StressFailure: Error, CustomStringConvertible {
    let description: String
}

func check(_ ok: Bool, _ what: @autoclosure () -> String) throws {
    if !ok { throw StressFailure(description: what()) }
}

/// Waits (polling) until `cond` holds or `seconds` pass.
func eventually(_ seconds: Double, _ cond: () -> Bool) async -> Bool {
    let deadline = now() + UInt64(seconds * 1e9)
    while now() < deadline {
        if cond() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return cond()
}

/// Many nodes, created and shut down one after another, each with a burst of
/// processes that message each other; no thread may be left behind.
func stressNodeChurn(rounds: Int) async throws {
    for _ in 0..<rounds {
        let node = Node(name: "churn@localhost")
        let result = try await node.run { me -> Int in
            var pids: [Pid] = []
            for _ in 0..<200 {
                pids.append(me.spawn { p in
                    while true {
                        let m = try await p.receive()
                        if case .pid(let from) = m { from.send(.atom("ok")) }
                    }
                })
            }
            for pid in pids { pid.send(.pid(me.pid)) }
            var n = 0
            for _ in pids { _ = try await me.receive(); n += 1 }
            return n
        }
        try check(result == 200, "churn: \(result) replies of 200")
        node.shutdown()
        try check(await eventually(5) { node.processCount == 0 }, "churn: \(node.processCount) processes left after shutdown")
    }
}

/// Per-pair ordering under concurrent senders.
func stressOrdering(senders: Int, each: Int) async throws {
    let node = Node(name: "order@localhost")
    defer { node.shutdown() }
    let ok = try await node.run { me -> Bool in
        let receiver = me.spawn { p in
            var last = [Int](repeating: -1, count: senders)
            var good = true
            for _ in 0..<(senders * each) {
                let m = try await p.receive()
                guard case .tuple(let e) = m, case .int(let s) = e[0], case .int(let i) = e[1] else { good = false; continue }
                if i != last[s] + 1 { good = false }
                last[s] = i
            }
            me.pid.send(.atom(good ? "ordered" : "disordered"))
        }
        for s in 0..<senders {
            me.spawn { _ in
                for i in 0..<each { receiver.send(.tuple([.int(s), .int(i)])) }
            }
        }
        return try await me.receive() == .atom("ordered")
    }
    try check(ok, "ordering: messages from one sender arrived out of order")
}

/// Two pairs ping-pong as fast as they can (each hop takes the run-next
/// slot) while a probe measures how long an echo takes: the run-next limit
/// and the yields must keep the probe's latency bounded.
func stressFairness(seconds: Double) async throws -> Double {
    let node = Node(name: "fair@localhost")
    defer {
        // Its busy process never receives again, so it never notices it was
        // killed: shutdown must still return promptly and free its threads.
        let t0 = now()
        node.shutdown()
        let ms = Double(now() - t0) / 1e6
        if ms > 2000 { print("stress: FAIL: shutdown with a yield-only process took \(ms) ms"); fflush(nil); exit(1) }
    }
    let worst = try await node.run { me -> Double in
        for _ in 0..<2 {
            let a = me.spawn { p in
                while true { if case .pid(let from) = try await p.receive() { from.send(.pid(p.pid)) } }
            }
            me.spawn { p in
                a.send(.pid(p.pid))
                while true { if case .pid(let from) = try await p.receive() { from.send(.pid(p.pid)) } }
            }
        }
        // A busy process that never waits, only yields.
        me.spawn { p in while true { await p.yield() } }
        let echo = me.spawn { p in
            while true { if case .pid(let from) = try await p.receive() { from.send(.atom("echo")) } }
        }
        var worst: UInt64 = 0
        let end = now() + UInt64(seconds * 1e9)
        while now() < end {
            let t0 = now()
            echo.send(.pid(me.pid))
            _ = try await me.receive(matching: { $0 == .atom("echo") ? true : nil })
            worst = max(worst, now() - t0)
            _ = try await me.receive(timeout: .milliseconds(1))
        }
        return Double(worst) / 1e6
    }
    try check(worst < 200, "fairness: an echo took \(worst) ms while others ping-ponged")
    return worst
}

/// A process wakes another (which lands in its worker's run-next slot) and
/// then computes for 100 ms without suspending: the woken process must not
/// wait for it while the other core is idle. Returns the woken process's delay (ms).
func stressStuckRunNext() async throws -> Double {
    let node = Node(name: "stuck@localhost")
    defer { node.shutdown() }
    let delay = try await node.run { me -> Double in
        let b = me.spawn { p in
            _ = try await p.receive()
            me.pid.send(.int(Int(now())))
        }
        try await Task.sleep(for: .milliseconds(5))
        let a = me.spawn { p in
            _ = try await p.receive()
            b.send(.atom("wake"))
            let end = now() + 100_000_000
            var x: UInt64 = 1
            while now() < end { x = x &* 6364136223846793005 &+ 1 }
            if x == 42 { print("") }
        }
        try await Task.sleep(for: .milliseconds(5))
        let t0 = now()
        a.send(.atom("go"))
        guard case .int(let woke) = try await me.receive() else { return -1 }
        return Double(UInt64(woke) - t0) / 1e6
    }
    if node.schedulerThreads > 1 {
        try check(delay < 90, "stuck run-next: the woken process waited \(delay) ms behind a busy one")
    }
    return delay
}

/// Many processes with receive timeouts and send_after, all at once.
func stressTimers(processes: Int) async throws {
    let node = Node(name: "timers@localhost")
    defer { node.shutdown() }
    let done = try await node.run { me -> Int in
        for i in 0..<processes {
            me.spawn { p in
                for k in 0..<5 {
                    if k % 2 == 0 {
                        _ = try await p.receive(timeout: .microseconds(200 * (i % 7 + 1)))
                    } else {
                        _ = p.sendAfter(.microseconds(300), .atom("tick"), to: p.pid)
                        _ = try await p.receive(matching: { $0 == .atom("tick") ? true : nil })
                    }
                }
                me.pid.send(.atom("timer_done"))
            }
        }
        var n = 0
        for _ in 0..<processes { _ = try await me.receive(); n += 1 }
        return n
    }
    try check(done == processes, "timers: \(done) of \(processes) finished")
}

/// Chains of linked processes killed while they exchange messages: every
/// process must die and the node must end up empty.
func stressKills(chains: Int, length: Int) async throws {
    let node = Node(name: "kills@localhost")
    defer { node.shutdown() }
    let heads = try await node.run { me -> [Pid] in
        var heads: [Pid] = []
        for _ in 0..<chains {
            heads.append(me.spawn { p in
                var next = p.pid
                for _ in 0..<length {
                    let prev = next
                    next = p.spawnLink { q in
                        while true {
                            let m = try await q.receive()
                            prev.send(m)
                        }
                    }
                }
                let tail = next
                while true {
                    tail.send(.atom("hop"))
                    _ = try await p.receive(timeout: .microseconds(50))
                }
            })
        }
        return heads
    }
    try await Task.sleep(for: .milliseconds(20))
    try await node.run { me in
        for h in heads { me.exit(h, reason: .atom("kill")) }
    }
    try check(await eventually(10) { node.processCount == 0 },
              "kills: \(node.processCount) processes still alive after killing every chain")
}

/// Two CPU-bound processes (yielding now and then) must run on both cores.
func stressParallel() async throws -> Double {
    let node = Node(name: "par@localhost")
    defer { node.shutdown() }
    @Sendable func work(_ p: LocalProcess) async -> UInt64 {
        var x: UInt64 = 1
        for i in 0..<40 {
            for j in 0..<400_000 { x = x &* 6364136223846793005 &+ UInt64(i ^ j) }
            await p.yield()
        }
        return x
    }
    let single = try await node.run { me -> UInt64 in
        let t0 = now()
        me.spawn { p in let x = await work(p); me.pid.send(.int(Int(truncatingIfNeeded: x))) }
        _ = try await me.receive()
        return now() - t0
    }
    let double = try await node.run { me -> UInt64 in
        let t0 = now()
        for _ in 0..<2 { me.spawn { p in let x = await work(p); me.pid.send(.int(Int(truncatingIfNeeded: x))) } }
        _ = try await me.receive(); _ = try await me.receive()
        return now() - t0
    }
    return Double(double) / Double(single)
}

func stress(seconds: Double) async throws {
    let baseline = threadCount()
    let end = now() + UInt64(seconds * 1e9)
    var round = 0
    do {
        repeat {
            round += 1
            try await stressNodeChurn(rounds: 20)
            try await stressOrdering(senders: 4, each: 50_000)
            try await stressTimers(processes: 2_000)
            try await stressKills(chains: 50, length: 20)
            let worst = try await stressFailFast { try await stressFairness(seconds: 0.5) }
            let par = try await stressParallel()
            let stuck = try await stressStuckRunNext()
            let threads = threadCount()
            print("stress round \(round): ok (fairness worst echo \((worst * 1000).rounded() / 1000) ms, two busy processes took \((par * 100).rounded() / 100)x one, run-next behind a busy process waited \((stuck * 1000).rounded() / 1000) ms, threads \(threads), at start \(baseline))")
            fflush(nil)
        } while now() < end
        // Every node of every round was shut down: only the threads that
        // existed at the start (plus Swift's own pool) may remain.
        try await Task.sleep(for: .milliseconds(100))
        let threads = threadCount()
        try check(threads <= baseline + 4, "threads: \(threads) now, \(baseline) at start (leaked scheduler threads?)")
        print("stress: PASS (\(round) rounds, threads \(threads), at start \(baseline))")
    } catch {
        print("stress: FAIL in round \(round): \(error)")
        fflush(nil)
        exit(1)
    }
}

func stressFailFast<T>(_ body: () async throws -> T) async throws -> T { try await body() }
