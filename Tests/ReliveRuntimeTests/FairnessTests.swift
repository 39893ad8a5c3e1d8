#if canImport(Glibc)
import Glibc
#endif
import ReliveKit
import ReliveRuntime
import Testing

/// Fairness: one busy process cannot starve the others.
///
/// What the runtime can and cannot preempt: processes are Swift tasks run by
/// a fixed set of scheduler threads (about one per core), so a process gives
/// up its thread only at a suspension point. `receive` is one: a receive that has to
/// wait suspends, and one answered at once from a full mailbox counts a
/// reduction and yields (`Task.yield()`) every `reductionBudget` (2,000)
/// receives. `yield()` is another. A Swift loop that never calls `receive` or
/// `yield` (pure computation, or a long run of `send`s) is never preempted:
/// it keeps its thread until it reaches one, and with as many such loops as
/// cores nothing else runs meanwhile. That is a property of cooperative
/// scheduling of Swift tasks, not a runtime bug; it is not tested here.
@Suite struct FairnessTests {
    /// As many flooding processes as there are scheduler threads each take
    /// 1M messages they sent themselves (receives that never wait, so only
    /// the reduction budget makes them yield); a ping-pong between two other
    /// processes still completes while the floods run.
    @Test func floodingReceiversDoNotStarvePingPong() async throws {
        let flooders = max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let floodSize = 1_000_000
        let rounds = 50
        let node = makeNode()
        defer { node.shutdown() }
        let flooding = Box(0)
        let floodsDone = Box(0)
        let stop = Box(false)
        let (pongs, doneWhenPingPongEnded) = try await node.run { p in
            for _ in 0..<flooders {
                p.spawn { c in
                    for i in 0..<floodSize { c.send(.int(i), to: c.pid) }
                    flooding.update { $0 += 1 }
                    for _ in 0..<floodSize {
                        _ = try await c.receive()
                        if stop.value { return }   // lets the test end early once it has its answer
                    }
                    floodsDone.update { $0 += 1 }
                }
            }
            // Start the ping-pong once every flood is in its receive phase.
            guard await eventually(within: .seconds(20), { flooding.value == flooders }) else {
                throw Missing(what: "floods started")
            }
            let echo = p.spawn { c in
                while true {
                    let m = try await c.next("ping")
                    guard let from = m[element: 1]?.pidValue else { return }
                    c.send(.tuple(["pong", m[element: 2]!]), to: from)
                }
            }
            var pongs = 0
            for i in 0..<rounds {
                p.send(.tuple(["ping", .pid(p.pid), .int(i)]), to: echo)
                let reply = try await p.next("pong \(i)", timeout: .seconds(20))
                if reply == .tuple(["pong", .int(i)]) { pongs += 1 }
            }
            let done = floodsDone.value
            stop.set(true)
            p.send("stop", to: echo)
            return (pongs, done)
        }
        #expect(pongs == rounds)
        // The ping-pong finished while at least one flood was still running.
        #expect(doneWhenPingPongEnded < flooders)
    }

    /// `yield()` gives up the thread: as many processes as scheduler threads
    /// loop on `yield()` until a flag is set, and the process that sets it
    /// (spawned after them) still gets to run. Without a real yield, the
    /// loops would hold every thread until their iteration cap.
    @Test func yieldLetsOthersRun() async throws {
        let spinners = max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let node = makeNode()
        defer { node.shutdown() }
        let flag = Box(false)
        let outcomes = try await node.run { p in
            let me = p.pid
            for _ in 0..<spinners {
                p.spawn { c in
                    var spins = 0
                    while !flag.value && spins < 2_000_000 {
                        await c.yield()
                        spins += 1
                    }
                    c.send(flag.value ? "stopped by flag" : "gave up", to: me)
                }
            }
            p.spawn { _ in flag.set(true) }
            var outcomes: [Term] = []
            for _ in 0..<spinners { outcomes.append(try await p.next("spinner", timeout: .seconds(30))) }
            return outcomes
        }
        #expect(outcomes == [Term](repeating: "stopped by flag", count: spinners))
    }
}
