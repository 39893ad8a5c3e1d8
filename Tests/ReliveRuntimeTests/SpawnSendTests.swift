import ReliveKit
import ReliveRuntime
import Testing

/// spawn / self / send: sends never block, mailboxes are unbounded, and
/// messages from one sender to one receiver keep their order.
@Suite struct SpawnSendTests {
    @Test func spawnedProcessKnowsItsOwnPid() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (spawned, reported) = try await node.run { p in
            let parent = p.pid
            let child = p.spawn { c in c.send(.pid(c.pid), to: parent) }
            return (child, try await p.next("child's self()"))
        }
        #expect(reported == .pid(spawned))
    }

    @Test func spawnLinkAndSpawnMonitorStartProcesses() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let replies = try await node.run { p in
            p.trapExit = true
            let me = p.pid
            let linked = p.spawnLink { c in c.send("linked", to: me) }
            let (monitored, ref) = p.spawnMonitor { c in c.send("monitored", to: me) }
            let a = try await p.expect("linked") { $0 == "linked" ? $0 : nil }
            let b = try await p.expect("monitored") { $0 == "monitored" ? $0 : nil }
            let exit = try await p.exitSignal(from: linked)
            let down = try await p.down(ref)
            return [a, b, exit, down, .pid(monitored)]
        }
        #expect(replies[0] == "linked")
        #expect(replies[1] == "monitored")
        #expect(replies[2] == .normal)
        #expect(replies[3] == .normal)
    }

    /// 100k messages queued to a process that is not receiving (it sleeps):
    /// every send returns at once (none blocks on a full mailbox), and the
    /// receiver then takes them all, in order.
    @Test func sendNeverBlocksAndMailboxIsUnbounded() async throws {
        let count = 100_000
        let node = makeNode()
        defer { node.shutdown() }
        let mayReceive = Box(false)
        let received = Box(0)
        let result = try await node.run { p in
            let me = p.pid
            let receiver = p.spawn { r in
                // Not receiving: the messages pile up in the mailbox.
                while !mayReceive.value { try await Task.sleep(for: .milliseconds(1)) }
                var inOrder = true
                for i in 0..<count {
                    let m = try await r.next("message \(i)")
                    if m != .int(i) { inOrder = false }
                    received.update { $0 += 1 }
                }
                r.send(.tuple(["done", inOrder ? true : false]), to: me)
            }
            for i in 0..<count { p.send(.int(i), to: receiver) }
            // Every send has returned while the receiver took nothing.
            let takenWhileSending = received.value
            mayReceive.set(true)
            let done = try await p.next("receiver's report")
            return (takenWhileSending, done)
        }
        #expect(result.0 == 0)
        #expect(result.1 == .tuple(["done", true]))
        #expect(received.value == count)
    }

    /// 8 senders × 10k numbered messages to one receiver, all sending at
    /// once: the interleaving is arbitrary, but each sender's sequence arrives
    /// complete and strictly increasing (per sender-receiver FIFO).
    @Test func fifoPerSenderUnderConcurrentSenders() async throws {
        let senders = 8
        let perSender = 10_000
        let node = makeNode()
        defer { node.shutdown() }
        let (lastSeen, counts, outOfOrder) = try await node.run { p in
            let me = p.pid
            var pids: [Pid] = []
            for s in 0..<senders {
                pids.append(p.spawn { c in
                    _ = try await c.expect("go") { $0 == "go" ? $0 : nil }
                    for i in 0..<perSender { c.send(.tuple([.int(s), .int(i)]), to: me) }
                })
            }
            for pid in pids { p.send("go", to: pid) }
            var lastSeen = [Int](repeating: -1, count: senders)
            var counts = [Int](repeating: 0, count: senders)
            var outOfOrder = 0
            for _ in 0..<(senders * perSender) {
                let m = try await p.next("numbered message")
                guard let s = m[element: 0]?.intValue, let i = m[element: 1]?.intValue else {
                    outOfOrder += 1
                    continue
                }
                if i <= lastSeen[s] { outOfOrder += 1 }
                lastSeen[s] = i
                counts[s] += 1
            }
            return (lastSeen, counts, outOfOrder)
        }
        #expect(outOfOrder == 0)
        #expect(counts == [Int](repeating: perSender, count: senders))
        #expect(lastSeen == [Int](repeating: perSender - 1, count: senders))
    }

    @Test func sendToDeadProcessIsDroppedSilently() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (reason, stillWorks) = try await node.run { p in
            let (dead, ref) = p.spawnMonitor { _ in }
            let reason = try await p.down(ref)
            p.send("into the void", to: dead)     // neither blocks nor throws
            p.send("to myself", to: p.pid)
            return (reason, try await p.next())
        }
        #expect(reason == .normal)
        #expect(stillWorks == "to myself")
    }

    @Test func processCountFollowsLiveProcesses() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let pids = try await node.run { p in
            (0..<10).map { _ in p.spawn { c in _ = try await c.receive() } }
        }
        #expect(await eventually { node.processCount == 10 })
        #expect(Set(node.processes).isSuperset(of: pids))
        for pid in pids { pid.send("stop") }
        #expect(await eventually { node.processCount == 0 })
    }
}
