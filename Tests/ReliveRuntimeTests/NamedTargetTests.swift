import ReliveKit
import ReliveRuntime
import Testing

/// Monitors and timers aimed at registered names, and `is_process_alive`.
@Suite struct NamedTargetTests {
    /// `monitor(process, Name)`: the registered process's end gives a DOWN;
    /// an unregistered name gives `noproc` at once, naming `{Name, Node}`.
    @Test func monitorByRegisteredName() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (down, missing) = try await node.run { p in
            let named = p.spawn { c in
                try c.register("named_target")
                _ = try await c.receive()
            }
            // Wait until it has registered.
            while p.whereis("named_target") == nil { await p.yield() }
            let ref = p.monitor(Atom("named_target"))
            named.send("stop")
            let down = try await p.expect("DOWN") { m -> Term? in
                guard case .tuple(let e) = m, e.count == 5, e[1] == .ref(ref) else { return nil }
                return m
            }
            let none = p.monitor(Atom("nobody_has_this_name"))
            let missing = try await p.expect("noproc DOWN") { m -> Term? in
                guard case .tuple(let e) = m, e.count == 5, e[1] == .ref(none) else { return nil }
                return m
            }
            return (down, missing)
        }
        #expect(down[element: 3] == .tuple([.atom("named_target"), .atom(node.id.name)]))
        #expect(down[element: 4] == .normal)
        #expect(missing[element: 3] == .tuple([.atom("nobody_has_this_name"), .atom(node.id.name)]))
        #expect(missing[element: 4] == .atom(Atom.noproc))
    }

    /// `send_after` with a name resolves it when the timer fires: the process
    /// registered then gets the message, though it registered after the timer
    /// was set.
    @Test func sendAfterByNameResolvesTheNameWhenItFires() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let got = try await node.run { p in
            let me = p.pid
            _ = p.sendAfter(.milliseconds(50), "tick", to: Atom("late_registrant"))
            _ = p.spawn { c in
                try c.register("late_registrant")
                c.send("registered", to: me)
                let m = try await c.next("tick")
                c.send(.tuple(["got", m]), to: me)
            }
            _ = try await p.expect("registered") { $0 == "registered" ? $0 : nil }
            return try await p.expect("got") { $0[element: 0] == "got" ? $0 : nil }
        }
        #expect(got == .tuple(["got", "tick"]))
    }

    @Test func isProcessAliveOnTheContext() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (before, after, me) = try await node.run { p in
            let (other, ref) = p.spawnMonitor { c in _ = try await c.receive() }
            let before = p.isProcessAlive(other)
            other.send("go")
            _ = try await p.down(ref)
            return (before, p.isProcessAlive(other), p.isProcessAlive(p.pid))
        }
        #expect(before && !after && me)
        let elsewhere = makeNode("elsewhere@localhost")
        defer { elsewhere.shutdown() }
        let foreign = elsewhere.spawn { c in _ = try await c.receive() }
        #expect(try await node.run { p in p.isProcessAlive(foreign) } == false)   // another node's pid
        #expect(elsewhere.isAlive(foreign))
    }
}
