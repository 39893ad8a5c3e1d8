import ReliveKit
import ReliveRuntime
import Testing

/// Ending processes: node shutdown, kill while messages are queued, and the
/// `Node.run` entry point.
@Suite struct ShutdownTests {
    /// Shutdown kills every remaining process: a process waiting in
    /// `receive` sees it throw `ProcessExit(killed)`.
    @Test func shutdownKillsRemainingProcesses() async throws {
        let node = makeNode()
        let seen = Box<[Term]>([])
        let waiting = Box(0)
        for _ in 0..<5 {
            node.spawn { c in
                do {
                    waiting.update { $0 += 1 }
                    _ = try await c.receive()
                    seen.update { $0.append("received a message") }
                } catch let exit as ProcessExit {
                    seen.update { $0.append(exit.reason) }
                    throw exit
                }
            }
        }
        #expect(await eventually { waiting.value == 5 })
        node.shutdown()
        #expect(await eventually { seen.value.count == 5 })
        #expect(seen.value == [Term](repeating: .atom(Atom.killed), count: 5))
        #expect(await eventually { node.processCount == 0 })
        node.shutdown()    // idempotent
    }

    /// A process spawned after shutdown is dead from the start.
    @Test func spawnAfterShutdownGivesADeadProcess() async throws {
        let node = makeNode()
        node.shutdown()
        let ran = Box(false)
        let pid = node.spawn { _ in ran.set(true) }
        try await Task.sleep(for: .milliseconds(10))
        #expect(ran.value == false)
        #expect(!node.isAlive(pid))
        #expect(node.exitReason(of: pid) == .atom(Atom.killed))
    }

    /// `Node.run` returns what its process returns, and throws when the
    /// process is killed (here by a linked crash).
    @Test func runReturnsOrThrows() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let value = try await node.run { _ in 42 }
        #expect(value == 42)
        do {
            _ = try await node.run { p in
                p.spawnLink { _ in throw Boom("linked crash") }
                return try await p.receive()
            }
            Issue.record("run should have thrown")
        } catch let exit as ProcessExit {
            #expect(isBoomReason(exit.reason, "linked crash"))
        }
        await #expect(throws: Boom.self) { try await node.run { _ in throw Boom("from run") } }
    }

    /// `Node.run` racing `shutdown()`: whichever wins, run returns (the body's
    /// result, or `killed`), even when the shutdown falls between run's check
    /// and the spawn, where the body never runs. Many rounds, to hit that gap.
    @Test func runRacingShutdownAlwaysReturns() async throws {
        let rounds = 300
        let answered = Box(0)
        for _ in 0..<rounds {
            let node = makeNode()
            let started = Box(false)
            // Left suspended for ever if the bug is there; it holds nothing.
            Task.detached {
                started.set(true)
                _ = try? await node.run { _ in 1 }
                answered.update { $0 += 1 }
            }
            while !started.value { await Task.yield() }
            node.shutdown()
        }
        #expect(await eventually { answered.value == rounds }, "\(answered.value) of \(rounds) runs returned")
    }

    /// `Node.run` on a node that has shut down must not hang.
    @Test func runAfterShutdownDoesNotHang() async throws {
        let node = makeNode()
        node.shutdown()
        let outcome = Box<String?>(nil)
        // Left running (suspended for ever) if the bug is there; it holds nothing.
        Task.detached {
            do {
                _ = try await node.run { _ in 1 }
                outcome.set("returned")
            } catch {
                outcome.set("threw \(error)")
            }
        }
        let finished = await eventually(within: .seconds(3)) { outcome.value != nil }
        #expect(finished)
    }

    /// A process killed while messages sit in its private half of the mailbox
    /// must stop at its next receive, as one waiting on an empty mailbox does.
    @Test func killedProcessStopsAtItsNextReceiveEvenWithQueuedMessages() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let log = Box<[String]>([])
        let reason = try await node.run { p in
            let me = p.pid
            let (victim, ref) = p.spawnMonitor { c in
                for i in 0..<10 { c.send(.int(i), to: c.pid) }
                _ = try await c.receive()      // moves all 10 into the private queue, takes one
                c.send("ready", to: me)
                // Wait, without receiving, until killed.
                // (Yielding, not sleeping: the node is busy until this loop ends.)
                while c.isAlive { await c.yield() }
                do {
                    let m = try await c.receive()
                    log.update { $0.append("received \(m) after being killed") }
                    let n = try await c.receive(timeout: nil) { $0 == 5 ? $0 : nil }
                    log.update { $0.append("selectively received \(n ?? "nil") after being killed") }
                } catch let exit as ProcessExit {
                    log.update { $0.append("receive threw \(exit.reason)") }
                    throw exit
                }
            }
            _ = try await p.expect("ready") { $0 == "ready" ? $0 : nil }
            p.exit(victim, reason: .atom(Atom.kill))
            return try await p.down(ref)
        }
        #expect(reason == .atom(Atom.killed))
        // Once every process is blocked or gone, the victim has logged all it will.
        #expect(await node.waitUntilIdle())
        #expect(log.value == ["receive threw killed"])
    }

    /// A message that wakes a parked receive goes straight into the private
    /// queue; if a kill follows before the process runs again, the woken
    /// receive must not take it. Each round is a fresh process's first run,
    /// so that the victim it wakes sits in its worker's run-next slot between
    /// the send and the kill and cannot run in between (a later wake in the
    /// same run would go to the run queue, where the other worker could take
    /// it at once; only a worker stuck for 0.5 ms gives its run-next job
    /// away, and the send and the kill are a microsecond apart). 20 rounds,
    /// each victim parked before the send: without the check every round
    /// takes the message.
    @Test func aMessageThatWokeAKilledProcessIsNotTaken() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let taken = Box(0)
        var reasons: [Term] = []
        let rounds = 20
        for _ in 0..<rounds {
            reasons.append(try await node.run { p -> Term in
                let me = p.pid
                let (victim, ref) = p.spawnMonitor { c in
                    c.send("ready", to: me)
                    _ = try await c.receive()   // parks: the parent waits for "ready"
                    taken.update { $0 += 1 }
                }
                _ = try await p.expect("ready") { $0 == "ready" ? $0 : nil }
                p.send("wake", to: victim)
                p.exit(victim, reason: .atom(Atom.kill))
                return try await p.down(ref)
            })
        }
        #expect(reasons == [Term](repeating: .atom(Atom.killed), count: rounds))
        // Once every process is blocked or gone, the victims have run all they will.
        #expect(await node.waitUntilIdle())
        #expect(taken.value == 0)
    }
}
