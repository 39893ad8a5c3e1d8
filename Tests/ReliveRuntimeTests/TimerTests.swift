import ReliveKit
import ReliveRuntime
import Testing

/// Timers: `sendAfter` and `cancelTimer`.
@Suite struct TimerTests {
    @Test func sendAfterDeliversAfterTheDelay() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let clock = ContinuousClock()
        let (early, message, elapsed) = try await node.run { p in
            let start = clock.now
            _ = p.sendAfter(.milliseconds(50), "tick", to: p.pid)
            let early = try await p.receive(timeout: .zero)
            let message = try await p.next("tick")
            return (early, message, clock.now - start)
        }
        #expect(early == nil)
        #expect(message == "tick")
        #expect(elapsed >= .milliseconds(49))     // lower bound only
    }

    /// A delay below zero (of less than a second, whose duration has zero
    /// seconds and negative attoseconds) fires at once, as a zero delay does,
    /// instead of trapping: user code may compute one from a past deadline.
    @Test(arguments: [Duration.milliseconds(-5), .milliseconds(-999), .seconds(-3)])
    func aNegativeDelayFiresAtOnce(_ delay: Duration) async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let message = try await node.run { p in
            _ = p.sendAfter(delay, "tick", to: p.pid)
            return try await p.next("tick")
        }
        #expect(message == "tick")
    }

    @Test func sendAfterToAnotherProcess() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let got = try await node.run { p in
            let me = p.pid
            let other = p.spawn { c in
                let m = try await c.next("timer message")
                c.send(.tuple(["forwarded", m]), to: me)
            }
            _ = p.sendAfter(.milliseconds(5), "hello", to: other)
            return try await p.next("forwarded")
        }
        #expect(got == .tuple(["forwarded", "hello"]))
    }

    @Test func timersFireInDeadlineOrder() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let order = try await node.run { p in
            _ = p.sendAfter(.milliseconds(60), 3, to: p.pid)
            _ = p.sendAfter(.milliseconds(20), 1, to: p.pid)
            _ = p.sendAfter(.milliseconds(40), 2, to: p.pid)
            return [try await p.next(), try await p.next(), try await p.next()]
        }
        #expect(order == [1, 2, 3])
    }

    /// A timer cancelled before it fires never delivers (a later timer shows
    /// when it would have: timers fire in deadline order), and cancel says so.
    @Test func cancelBeforeFiringPreventsDelivery() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (cancelled, later, ghost) = try await node.run { p in
            // The later timer is set after the cancel with the same delay, so its
            // deadline is not earlier than the doomed one's: had the cancel failed,
            // "cancelled" would arrive first. The delay only has to outlast one line.
            let doomed = p.sendAfter(.milliseconds(500), "cancelled", to: p.pid)
            let cancelled = p.cancelTimer(doomed)
            _ = p.sendAfter(.milliseconds(500), "later", to: p.pid)
            let later = try await p.next("later")
            let ghost = try await p.receive(timeout: .zero)
            return (cancelled, later, ghost)
        }
        #expect(cancelled)
        #expect(later == "later")           // the first message to arrive
        #expect(ghost == nil)
    }

    @Test func cancellingAFiredTimerReturnsFalse() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (fired, again) = try await node.run { p in
            let timer = p.sendAfter(.milliseconds(5), "fired", to: p.pid)
            _ = try await p.next("fired")
            let fired = p.cancelTimer(timer)
            let short = p.sendAfter(.seconds(30), "never", to: p.pid)
            _ = p.cancelTimer(short)
            return (fired, p.cancelTimer(short))
        }
        #expect(fired == false)
        #expect(again == false)    // cancelling twice: the second time is false too
    }

    /// A timer whose target died fires into the void without harm.
    @Test func timerToADeadProcessIsHarmless() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let after = try await node.run { p in
            let (dead, ref) = p.spawnMonitor { _ in }
            _ = try await p.down(ref)
            _ = p.sendAfter(.milliseconds(1), "void", to: dead)
            _ = p.sendAfter(.milliseconds(20), "mine", to: p.pid)
            return try await p.next("mine")
        }
        #expect(after == "mine")
    }

    /// A timer ref of one node cancels nothing on another, even where that
    /// node has a timer with the same id (timer ids count from 1 on each node).
    @Test func timerRefsBelongToTheirNode() async throws {
        let a = makeNode("a@localhost")
        let b = makeNode("b@localhost")
        defer { a.shutdown(); b.shutdown() }
        let fromA = try await a.run { p in p.sendAfter(.seconds(600), "from a", to: p.pid) }
        let (fromB, cancelledElsewhere, cancelledB) = try await b.run { p in
            let mine = p.sendAfter(.seconds(600), "from b", to: p.pid)
            let elsewhere = p.cancelTimer(fromA)
            return (mine, elsewhere, p.cancelTimer(mine))
        }
        try #require(fromA.ref.id == fromB.ref.id)       // the case the node check exists for
        #expect(cancelledElsewhere == false)
        #expect(cancelledB)                               // b's own timer was still pending
        #expect(try await a.run { p in p.cancelTimer(fromA) })   // and so was a's
    }

    /// A process's long receive timeouts (50 ms and more) share one timeout
    /// that every such receive arms again. Waits that end with a reply
    /// disarm it, including across its first deadline (the replies come 1 ms
    /// late, 100 of them), and a wait with no reply still times out, twice,
    /// the second after the first fired. Timer messages of the short kind
    /// (another path) guard against a timeout that never fires: the receives
    /// would take them instead of timing out.
    @Test func aLongReceiveTimeoutArmedAgainAndAgainStillFires() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (answered, first, second) = try await node.run { p -> (Int, Term?, Term?) in
            let echo = p.spawn { c in
                while true {
                    guard case .pid(let from) = try await c.receive() else { return }
                    _ = c.sendAfter(.milliseconds(1), "reply", to: from)
                }
            }
            var answered = 0
            for _ in 0..<100 {
                p.send(.pid(p.pid), to: echo)
                if try await p.receive(timeout: .milliseconds(60)) == "reply" { answered += 1 }
            }
            for _ in 0..<2 { _ = p.sendAfter(.seconds(3), "guard", to: p.pid) }
            let first = try await p.receive(timeout: .milliseconds(60))
            let second = try await p.receive(timeout: .milliseconds(60))
            p.send("stop", to: echo)
            return (answered, first, second)
        }
        #expect(answered == 100)
        #expect(first == nil)
        #expect(second == nil)
    }

    /// A long receive timeout armed for sooner than the one before it (a
    /// 60 ms wait after a 5 s call-like wait that the timer thread had taken
    /// in) fires at its own deadline, not at the earlier wait's. The reply to
    /// the 5 s wait comes 20 ms late, so that the timer thread has it
    /// (it takes new ones every 5 ms); a 1 s timer message guards.
    @Test func aSoonerLongTimeoutAfterALaterOneFiresOnTime() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (reply, timedOut) = try await node.run { p -> (Term?, Term?) in
            _ = p.sendAfter(.milliseconds(20), "reply", to: p.pid)
            let reply = try await p.receive(timeout: .seconds(5))
            _ = p.sendAfter(.seconds(1), "guard", to: p.pid)
            let timedOut = try await p.receive(timeout: .milliseconds(60))
            return (reply, timedOut)
        }
        #expect(reply == "reply")
        #expect(timedOut == nil)
    }
}
