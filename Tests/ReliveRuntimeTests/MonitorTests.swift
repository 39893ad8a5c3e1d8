import ReliveKit
import ReliveRuntime
import Testing

/// Monitors: `{'DOWN', Ref, process, Pid, Reason}`, `noproc` for a dead
/// pid, demonitor with and without flush.
@Suite struct MonitorTests {
    @Test func downCarriesPidAndReason() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (message, ref, pid) = try await node.run { p in
            let pid = p.spawn { c in _ = try await c.expect("go") { $0 == "go" ? $0 : nil }; throw ProcessExit(.atom("why")) }
            let ref = p.monitor(pid)
            p.send("go", to: pid)
            return (try await p.next("DOWN"), ref, pid)
        }
        #expect(message == .tuple([.atom(Atom.down), .ref(ref), .atom(Atom.process), .pid(pid), .atom("why")]))
    }

    @Test func downForNormalAndErrorExits() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (normal, error) = try await node.run { p in
            let (_, normalRef) = p.spawnMonitor { _ in }
            let (_, errorRef) = p.spawnMonitor { _ in throw Boom("monitored") }
            return (try await p.down(normalRef), try await p.down(errorRef))
        }
        #expect(normal == .normal)
        #expect(isBoomReason(error, "monitored"))
    }

    /// Monitoring a dead pid gives `noproc` at once: the DOWN is already in
    /// the mailbox when `monitor` returns (a zero-timeout receive finds it).
    @Test func monitoringADeadPidGivesNoprocAtOnce() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let reason = try await node.run { p in
            let (dead, ref) = p.spawnMonitor { _ in }
            _ = try await p.down(ref)
            let late = p.monitor(dead)
            return try await p.receive(timeout: .zero) { downReason(in: $0, ref: late) }
        }
        #expect(reason == .atom(Atom.noproc))
    }

    /// A monitor is one-way: the watcher's death does not affect the target,
    /// and the target's death does not kill the watcher.
    @Test func monitorsAreOneWay() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (targetAlive, watcherReply) = try await node.run { p in
            let me = p.pid
            let target = p.spawn { c in _ = try await c.next("stop"); throw Boom("target") }
            let watcher = p.spawn { c in
                let ref = c.monitor(target)
                c.send("watching", to: me)
                _ = try await c.down(ref)
                let m = try await c.next("ping")
                c.send(.tuple(["pong", m]), to: me)
            }
            let wRef = p.monitor(watcher)
            _ = try await p.expect("watching") { $0 == "watching" ? $0 : nil }
            p.send("stop", to: target)
            p.send("ping", to: watcher)
            let reply = try await p.expect("pong") { m in m[element: 0] == "pong" ? m : nil }
            _ = try await p.down(wRef)
            // And a watcher that crashes leaves its target alone.
            let target2 = p.spawn { c in let m = try await c.next("ping"); c.send(.tuple(["alive", m]), to: me) }
            let (_, crashRef) = p.spawnMonitor { c in _ = c.monitor(target2); throw Boom("watcher") }
            _ = try await p.down(crashRef)
            p.send("ping", to: target2)
            let alive = try await p.expect("alive") { m in m[element: 0] == "alive" ? m : nil }
            return (alive == .tuple(["alive", "ping"]), reply)
        }
        #expect(targetAlive)
        #expect(watcherReply == .tuple(["pong", "ping"]))
    }

    /// Several monitors on one process each get their own DOWN.
    @Test func everyMonitorGetsItsDown() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let reasons = try await node.run { p in
            let target = p.spawn { c in _ = try await c.next("stop"); throw ProcessExit(.atom("done")) }
            let refs = (0..<5).map { _ in p.monitor(target) }
            p.send("stop", to: target)
            var reasons: [Term] = []
            for ref in refs { reasons.append(try await p.down(ref)) }
            return (reasons, Set(refs).count)
        }
        #expect(reasons.0 == [Term](repeating: .atom("done"), count: 5))
        #expect(reasons.1 == 5)
    }

    /// Many monitors held at once (more than the few kept inline, the rest
    /// hashed): each demonitor removes exactly its own, wherever it is kept,
    /// and the targets' ends bring exactly the DOWNs of the others.
    @Test func manyMonitorsAtOnceEachRemovedOnItsOwn() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let count = 30
        let (removed, again, downs, strays) = try await node.run { p in
            let targets = (0..<count).map { _ in p.spawn { c in _ = try await c.next("stop") } }
            let refs = targets.map { p.monitor($0) }
            var removed = 0, again = 0
            for (i, ref) in refs.enumerated() where i % 3 == 0 {
                if p.demonitor(ref) { removed += 1 }
                if p.demonitor(ref) { again += 1 }    // gone already
            }
            for t in targets { p.send("stop", to: t) }
            var downs = 0
            for (i, ref) in refs.enumerated() where i % 3 != 0 {
                if try await p.down(ref) == .normal { downs += 1 }
            }
            var strays = 0
            for (i, ref) in refs.enumerated() where i % 3 == 0 {
                if try await p.receive(timeout: .zero, matching: { downReason(in: $0, ref: ref) }) != nil { strays += 1 }
            }
            return (removed, again, downs, strays)
        }
        #expect(removed == count / 3)
        #expect(again == 0)
        #expect(downs == count - count / 3)
        #expect(strays == 0)
    }

    /// After demonitor no DOWN arrives. A second monitor on the same target
    /// shows when the DOWN would have been there (both are sent by the
    /// target's end, the first one first).
    @Test func demonitorStopsDown() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (wasActive, second, first) = try await node.run { p in
            let target = p.spawn { c in _ = try await c.next("stop") }
            let ref1 = p.monitor(target)
            let ref2 = p.monitor(target)
            let wasActive = p.demonitor(ref1, flush: false)
            p.send("stop", to: target)
            let second = try await p.down(ref2)
            let first = try await p.receive(timeout: .zero) { downReason(in: $0, ref: ref1) }
            return (wasActive, second, first)
        }
        #expect(wasActive)
        #expect(second == .normal)
        #expect(first == nil)
    }

    /// demonitor(flush: true) removes a DOWN that already arrived (and
    /// reports the monitor was no longer active); without flush it stays.
    @Test func demonitorFlushRemovesArrivedDown() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (flushActive, flushed, keepActive, kept, others) = try await node.run { p in
            let target = p.spawn { c in _ = try await c.next("stop") }
            let flushRef = p.monitor(target)
            let keepRef = p.monitor(target)
            let lastRef = p.monitor(target)
            p.send("unrelated 1", to: p.pid)
            p.send("stop", to: target)
            // The last DOWN is sent after the other two: once it is here, so are they.
            _ = try await p.down(lastRef)
            p.send("unrelated 2", to: p.pid)
            let flushActive = p.demonitor(flushRef, flush: true)
            let flushed = try await p.receive(timeout: .zero) { downReason(in: $0, ref: flushRef) }
            let keepActive = p.demonitor(keepRef, flush: false)
            let kept = try await p.receive(timeout: .zero) { downReason(in: $0, ref: keepRef) }
            var others: [Term] = []
            while let m = try await p.receive(timeout: .zero) { others.append(m) }
            return (flushActive, flushed, keepActive, kept, others)
        }
        #expect(flushActive == false)
        #expect(flushed == nil)
        #expect(keepActive == false)
        #expect(kept == .normal)
        // Flushing removes only that DOWN.
        #expect(others == ["unrelated 1", "unrelated 2"])
    }

    /// demonitor(flush:) also finds a DOWN not yet moved into the process's
    /// own half of the mailbox.
    @Test func demonitorFlushFindsDownStillInTheInbox() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let observed = Box(false)
        let (flushed, kept) = try await node.run { p in
            let target = p.spawn { c in _ = try await c.next("stop") }
            let ref = p.monitor(target)
            let ref2 = p.monitor(target)
            // Observe the end from outside, without touching our own mailbox:
            // the observer's monitor is newer, so its DOWN comes after ours.
            let observer = p.spawn { c in
                let r = c.monitor(target)
                c.send("stop", to: target)
                _ = try await c.down(r)
                observed.set(true)
            }
            _ = observer
            guard await eventually({ observed.value }) else { throw Missing(what: "observer's DOWN") }
            _ = p.demonitor(ref, flush: true)
            let flushed = try await p.receive(timeout: .zero) { downReason(in: $0, ref: ref) }
            let kept = try await p.down(ref2)
            return (flushed, kept)
        }
        #expect(flushed == nil)
        #expect(kept == .normal)
    }

    @Test func spawnMonitorRefMatchesDown() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (message, pid, ref) = try await node.run { p in
            let (pid, ref) = p.spawnMonitor { _ in throw ProcessExit(.atom("bye")) }
            return (try await p.next("DOWN"), pid, ref)
        }
        #expect(message == .tuple([.atom(Atom.down), .ref(ref), .atom(Atom.process), .pid(pid), .atom("bye")]))
    }
}
