import ReliveKit
import ReliveRuntime
import Testing

/// Process aliases: reply addresses that stop working after `unalias`.
@Suite struct AliasTests {
    @Test func aliasDeliversWhileActiveAndDropsAfterUnalias() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (isDistinct, active, afterUnalias) = try await node.run { p in
            let me = p.pid
            let alias = p.alias()
            // Another process sends through the alias, then directly.
            let sender = p.spawn { c in
                while true {
                    let m = try await c.next("order")
                    if m == "stop" { return }
                    c.send(m, to: alias)
                    c.send(.tuple(["marker", m]), to: me)
                }
            }
            p.send("before", to: sender)
            _ = try await p.expect("marker") { m in m[element: 0] == "marker" ? m : nil }
            let active = try await p.receive(timeout: .zero)
            p.unalias(alias)
            p.send("after", to: sender)
            // Same sender, alias first: had it been delivered, it would be here already.
            _ = try await p.expect("marker") { m in m[element: 0] == "marker" ? m : nil }
            let after = try await p.receive(timeout: .zero)
            p.send("stop", to: sender)
            return (alias != me, active, after)
        }
        #expect(isDistinct)
        #expect(active == "before")
        #expect(afterUnalias == nil)
    }

    @Test func eachAliasIsDistinct() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (a, b, me, got) = try await node.run { p in
            let a = p.alias()
            let b = p.alias()
            p.unalias(a)
            p.send("to a", to: a)
            p.send("to b", to: b)
            return (a, b, p.pid, try await p.next("to b"))
        }
        #expect(a != b)
        #expect(a != me && b != me)
        #expect(got == "to b")
    }

    /// The use aliases exist for: a reply that arrives after the caller gave
    /// up waiting is dropped, not left lingering in the caller's mailbox.
    @Test func lateReplyToADeactivatedAliasIsDropped() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (timedOut, lingering) = try await node.run { p in
            let me = p.pid
            // The server answers only when told to, after the caller has given
            // up: "late" by construction, not by racing two sleeps.
            let slowServer = p.spawn { c in
                let request = try await c.next("request")
                _ = try await c.expect("go") { $0 == "go" ? $0 : nil }
                if let replyTo = request[element: 1]?.pidValue { c.send("late reply", to: replyTo) }
                c.send("replied", to: me)
            }
            let alias = p.alias()
            p.send(.tuple(["call", .pid(alias)]), to: slowServer)
            let timedOut = try await p.receive(timeout: .zero) { $0 == "late reply" ? $0 : nil }
            p.unalias(alias)
            p.send("go", to: slowServer)
            _ = try await p.expect("replied") { $0 == "replied" ? $0 : nil }
            return (timedOut, try await p.receive(timeout: .zero))
        }
        #expect(timedOut == nil)
        #expect(lingering == nil)
    }
}
