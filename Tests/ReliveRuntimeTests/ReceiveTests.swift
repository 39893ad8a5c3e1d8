import Dispatch
import ReliveKit
import ReliveRuntime
import Testing

/// Selective receive and receive with a timeout.
@Suite struct ReceiveTests {
    @Test func selectiveReceiveLeavesOtherMessagesInOrder() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (picked, rest) = try await node.run { p in
            for i in 1...3 { p.send(.int(i), to: p.pid) }
            p.send(.tuple(["wanted", 42]), to: p.pid)
            for i in 4...6 { p.send(.int(i), to: p.pid) }
            let picked = try await p.expect("wanted") { m in m[element: 0] == "wanted" ? m[element: 1] : nil }
            var rest: [Term] = []
            while let m = try await p.receive(timeout: .zero) { rest.append(m) }
            return (picked, rest)
        }
        #expect(picked == 42)
        #expect(rest == [1, 2, 3, 4, 5, 6])
    }

    /// Preparing the mailbox for a burst keeps what is there, in order, and
    /// leaves nothing of its own behind, in either half of the mailbox.
    @Test func preparingTheMailboxForABurstKeepsItsMessagesInOrder() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let taken = try await node.run { p in
            for i in 1...3 { p.send(.int(i), to: p.pid) }
            _ = try await p.receive()                  // 1; 2 and 3 now in the private queue
            p.send(.int(4), to: p.pid)                 // in the inbox
            p.prepareMailbox(for: 10_000)
            p.send(.int(5), to: p.pid)
            var rest: [Term] = []
            while let m = try await p.receive(timeout: .zero) { rest.append(m) }
            return rest
        }
        #expect(taken == [2, 3, 4, 5])
    }

    /// The wanted message arrives after others, while the receiver waits.
    @Test func selectiveReceiveWaitsPastNonMatchingMessages() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (picked, rest) = try await node.run { p in
            let me = p.pid
            p.spawn { c in
                for i in 1...3 { c.send(.int(i), to: me) }
                try await Task.sleep(for: .milliseconds(20))
                c.send("wanted", to: me)
                c.send(4, to: me)
            }
            let picked = try await p.expect("wanted") { $0 == "wanted" ? $0 : nil }
            var rest: [Term] = []
            for _ in 0..<4 { rest.append(try await p.next()) }
            return (picked, rest)
        }
        #expect(picked == "wanted")
        #expect(rest == [1, 2, 3, 4])
    }

    /// After a timeout, a message sent later is still received by the next receive.
    @Test func receiveTimeoutReturnsNilThenLaterMessageArrives() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let clock = ContinuousClock()
        let (timedOut, waited, later) = try await node.run { p in
            let start = clock.now
            let timedOut = try await p.receive(timeout: .milliseconds(100))
            let waited = clock.now - start
            let me = p.pid
            p.spawn { c in c.send("late", to: me) }
            return (timedOut, waited, try await p.next("late message"))
        }
        #expect(timedOut == nil)
        // Lower bound only (a little slack for clock granularity): tests never
        // assert how fast something is.
        #expect(waited >= .milliseconds(99))
        #expect(later == "late")
    }

    /// A selective receive times out even when non-matching messages keep
    /// arriving, and leaves them all in the mailbox.
    @Test func selectiveReceiveTimesOutAmongNonMatchingMessages() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (result, count) = try await node.run { p in
            let me = p.pid
            let noisy = p.spawn { c in
                for i in 0..<20 {
                    c.send(.int(i), to: me)
                    try await Task.sleep(for: .milliseconds(5))
                }
                c.send("sent all", to: me)
            }
            _ = noisy
            let result = try await p.receive(timeout: .milliseconds(50)) { $0 == "never" ? $0 : nil }
            _ = try await p.expect("sent all") { $0 == "sent all" ? $0 : nil }
            var count = 0
            while let _ = try await p.receive(timeout: .zero) { count += 1 }
            return (result, count)
        }
        #expect(result == nil)
        #expect(count == 20)
    }

    /// A zero timeout only polls: nil on an empty mailbox, the message when
    /// one is there (even one still in the shared half of the mailbox).
    @Test func zeroTimeoutPolls() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (empty, present, nonMatching) = try await node.run { p in
            let empty = try await p.receive(timeout: .zero)
            p.send("here", to: p.pid)
            let present = try await p.receive(timeout: .zero)
            p.send("other", to: p.pid)
            let nonMatching = try await p.receive(timeout: .zero) { $0 == "x" ? $0 : nil }
            return (empty, present, nonMatching)
        }
        #expect(empty == nil)
        #expect(present == "here")
        #expect(nonMatching == nil)
    }

    /// A message that arrives before the timeout is returned, and the
    /// cancelled timeout does not disturb the next receive.
    @Test func messageBeforeTimeoutWins() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let got = try await node.run { p in
            let me = p.pid
            p.spawn { c in
                try await Task.sleep(for: .milliseconds(10))
                c.send("first", to: me)
                try await Task.sleep(for: .milliseconds(100))
                c.send("second", to: me)
            }
            let first = try await p.receive(timeout: .seconds(5))
            let second = try await p.receive(timeout: .seconds(5))
            return [first, second]
        }
        #expect(got == ["first", "second"])
    }

    /// A matcher that throws ends the process with that error; the message stays unconsumed.
    @Test func throwingMatcherEndsTheProcess() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let reason = try await node.run { p in
            let (_, ref) = p.spawnMonitor { c in
                c.send("bad", to: c.pid)
                _ = try await c.receive(timeout: nil) { _ -> Term? in throw Boom("matcher") }
            }
            return try await p.down(ref)
        }
        #expect(isBoomReason(reason, "matcher"))
    }

    /// A receive awaited from an actor returns on that actor, after parking
    /// and being woken by another process. The receive waits without the
    /// stdlib's isolated continuation and relies on the compiler's return
    /// to the caller's isolation after the wait; this guards that reliance.
    /// The actor runs on a serial queue of its own, so the check is which
    /// queue runs the code after the receive. Many rounds, so that most
    /// receives really park.
    @Test func aReceiveAwaitedFromAnActorReturnsOnIt() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let rounds = 200
        let offActor = try await node.run { p in
            let echo = p.spawn { c in
                while true {
                    guard case .pid(let from) = try await c.receive() else { return }
                    c.send("mail", to: from)
                }
            }
            let actor = QueueActor()
            var off = 0
            for round in 0..<rounds {
                if try await !actor.receiveOnActor(p, askingFor: echo, timed: round.isMultiple(of: 2)) { off += 1 }
            }
            p.send("stop", to: echo)
            return off
        }
        #expect(offActor == 0)
    }
}

/// A serial executor on a dispatch queue of its own, marked so that code
/// can tell whether it runs there.
private final class QueueExecutor: SerialExecutor, @unchecked Sendable {
    static let key = DispatchSpecificKey<Int>()
    let queue = DispatchQueue(label: "relive.tests.queue-actor")
    init() { queue.setSpecific(key: Self.key, value: 1) }
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }
    var isCurrent: Bool { DispatchQueue.getSpecific(key: Self.key) == 1 }
}

private actor QueueActor {
    let executor = QueueExecutor()
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Asks `echo` for a message and receives it here; whether the code
    /// after the receive ran on this actor's queue.
    func receiveOnActor(_ p: LocalProcess, askingFor echo: Pid, timed: Bool) async throws -> Bool {
        guard executor.isCurrent else { return false }
        p.send(.pid(p.pid), to: echo)
        if timed {
            guard try await p.receive(timeout: guardTimeout) != nil else { throw Missing(what: "mail") }
        } else {
            _ = try await p.receive()
        }
        return executor.isCurrent
    }
}
