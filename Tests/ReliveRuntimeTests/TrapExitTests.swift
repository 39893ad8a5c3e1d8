import ReliveKit
import ReliveRuntime
import Testing

/// `trap_exit`: exit signals become `{'EXIT', From, Reason}` messages.
@Suite struct TrapExitTests {
    /// A trapping process survives its links' crashes and normal ends, gets
    /// one message for each, and keeps serving.
    @Test func trappingTurnsSignalsIntoMessages() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (messages, reply) = try await node.run { p in
            let me = p.pid
            let trapper = p.spawn { c in
                c.trapExit = true
                let crasher = c.spawnLink { _ in throw Boom("trapped") }
                let finisher = c.spawnLink { _ in }
                let quitter = c.spawnLink { _ in throw ProcessExit(.atom("quit")) }
                var seen: [Term] = []
                for pid in [crasher, finisher, quitter] {
                    seen.append(try await c.exitSignal(from: pid))
                }
                c.send(.tuple(["seen", .list(seen)]), to: me)
                let m = try await c.next("ping")
                c.send(.tuple(["pong", m]), to: me)
            }
            _ = trapper
            let seen = try await p.expect("seen") { m in m[element: 0] == "seen" ? m[element: 1] : nil }
            p.send("ping", to: trapper)
            return (seen.listElements ?? [], try await p.next("pong"))
        }
        #expect(messages.count == 3)
        if messages.count == 3 {
            #expect(isBoomReason(messages[0], "trapped"))
            #expect(messages[1] == .normal)
            #expect(messages[2] == .atom("quit"))
        }
        #expect(reply == .tuple(["pong", "ping"]))
    }

    /// The EXIT message names the process the signal came from.
    @Test func exitMessageNamesTheSender() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (message, child) = try await node.run { p in
            p.trapExit = true
            let child = p.spawnLink { _ in throw ProcessExit(.atom("bye")) }
            return (try await p.next("EXIT"), child)
        }
        #expect(message == .tuple([.atom(Atom.exit), .pid(child), .atom("bye")]))
    }

    /// Trapping can be switched off again: signals kill once more.
    @Test func trapExitCanBeSwitchedOff() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (flags, reason) = try await node.run { p in
            let me = p.pid
            let (target, ref) = p.spawnMonitor { c in
                c.trapExit = true
                let on = c.trapExit
                c.trapExit = false
                c.send(.tuple([on ? true : false, c.trapExit ? true : false]), to: me)
                _ = try await c.receive(timeout: nil) { _ -> Term? in nil }
            }
            let flags = try await p.next("flags")
            p.exit(target, reason: .atom("no_longer_trapped"))
            return (flags, try await p.down(ref))
        }
        #expect(flags == .tuple([true, false]))
        #expect(reason == .atom("no_longer_trapped"))
    }

    /// A process does not trap exits unless it asks to.
    @Test func trapExitIsOffByDefault() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let trapping = try await node.run { p in p.trapExit }
        #expect(trapping == false)
    }

    /// A trapping process in the middle of a chain stops the propagation:
    /// its own links never hear of the crash.
    @Test func trappingProcessStopsPropagation() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (stopperSaw, upstreamSignal) = try await node.run { p in
            p.trapExit = true
            let me = p.pid
            let stopper = p.spawnLink { c in
                c.trapExit = true
                let crasher = c.spawnLink { _ in throw Boom("stopped here") }
                c.send(.tuple(["stopper saw", try await c.exitSignal(from: crasher)]), to: me)
                _ = try await c.next("stop")
            }
            let saw = try await p.expect("stopper saw") { m in m[element: 0] == "stopper saw" ? m[element: 1] : nil }
            let upstream = try await p.receive(timeout: .milliseconds(20)) { exitReason(in: $0, from: stopper) }
            p.send("stop", to: stopper)
            return (saw, upstream)
        }
        #expect(isBoomReason(stopperSaw, "stopped here"))
        #expect(upstreamSignal == nil)
    }
}
