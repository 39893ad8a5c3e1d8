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
    /// As many flooding processes as there are scheduler threads each keep a
    /// full mailbox for ever (every message taken is sent to itself again, so
    /// no receive ever waits and only the reduction budget makes them yield);
    /// a ping-pong between two other processes still completes, and the
    /// floods were still running when it did.
    ///
    /// (An earlier version let each flood end after 1M messages and asserted
    /// that the ping-pong finished first: a race the full suite, with dozens
    /// of nodes' threads on two cores, could lose without any starvation.)
    @Test func floodingReceiversDoNotStarvePingPong() async throws {
        let flooders = max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let rounds = 50
        let node = makeNode()
        defer { node.shutdown() }
        let flooding = Box(0)
        let floodReceives = Box(0)
        let stop = Box(false)
        let (pongs, stillFlooding) = try await node.run { p in
            for _ in 0..<flooders {
                p.spawn { c in
                    for i in 0..<1_000 { c.send(.int(i), to: c.pid) }
                    flooding.update { $0 += 1 }
                    var taken = 0
                    while !stop.value {
                        let m = try await c.receive()
                        c.send(m, to: c.pid)
                        taken += 1
                        if taken % 100 == 0 { floodReceives.update { $0 += 100 } }
                    }
                }
            }
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
            let before = floodReceives.value
            var pongs = 0
            for i in 0..<rounds {
                p.send(.tuple(["ping", .pid(p.pid), .int(i)]), to: echo)
                let reply = try await p.next("pong \(i)", timeout: .seconds(20))
                if reply == .tuple(["pong", .int(i)]) { pongs += 1 }
            }
            // The floods kept running during the ping-pong: it did not get
            // through merely because they were idle.
            let flooded = floodReceives.value > before
            stop.set(true)
            p.send("stop", to: echo)
            return (pongs, flooded)
        }
        #expect(pongs == rounds)
        #expect(stillFlooding)
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
