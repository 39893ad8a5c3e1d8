import ReliveKit
import ReliveRuntime
import Testing

/// Links and exit signals: bidirectional, carrying the reason; `normal`
/// ignored by a non-trapping process; `kill` untrappable and seen as
/// `killed`; propagation along chains; thrown errors; dead targets.
@Suite struct LinkTests {
    /// A process that waits for ever (until killed).
    static let idle: Node.ProcessBody = { p in
        _ = try await p.receive(timeout: nil) { _ -> Term? in nil }
    }

    /// Links are bidirectional: whichever side dies, the other (not
    /// trapping) dies with the same reason.
    @Test(arguments: [false, true])
    func linksAreBidirectional(linkerDies: Bool) async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (linkerReason, targetReason) = try await node.run { p in
            let me = p.pid
            let target = p.spawn { c in
                let m = try await c.next("order")
                if m == "die" { throw ProcessExit(.atom("target_reason")) }
                _ = try await c.receive(timeout: nil) { _ -> Term? in nil }
            }
            let linker = p.spawn { c in
                try c.link(target)
                c.send("linked", to: me)
                let m = try await c.next("order")
                if m == "die" { throw ProcessExit(.atom("linker_reason")) }
                _ = try await c.receive(timeout: nil) { _ -> Term? in nil }
            }
            let linkerRef = p.monitor(linker)
            let targetRef = p.monitor(target)
            _ = try await p.expect("linked") { $0 == "linked" ? $0 : nil }
            if linkerDies {
                p.send("die", to: linker)
                p.send("wait", to: target)
            } else {
                p.send("wait", to: linker)
                p.send("die", to: target)
            }
            return (try await p.down(linkerRef), try await p.down(targetRef))
        }
        let expected: Term = linkerDies ? .atom("linker_reason") : .atom("target_reason")
        #expect(linkerReason == expected)
        #expect(targetReason == expected)
    }

    /// A trapping process sees the reason in `{'EXIT', Pid, Reason}`.
    @Test func exitSignalCarriesTheReason() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let reason = try await node.run { p in
            p.trapExit = true
            let child = p.spawnLink { _ in throw ProcessExit(.tuple(["custom", 1, [2, 3]])) }
            return try await p.exitSignal(from: child)
        }
        #expect(reason == .tuple(["custom", 1, [2, 3]]))
    }

    /// `normal` from a link does not kill a process that does not trap exits.
    @Test func normalExitDoesNotKillLinkedProcess() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (reply, stillAlive) = try await node.run { p in
            let me = p.pid
            let survivor = p.spawn { c in
                // A linked child that ends normally; once its DOWN is here,
                // its exit signal (sent before the DOWN) has been handled.
                let child = c.spawn([.link, .monitor]) { _ in }
                _ = try await c.down(child.monitor!)
                c.send("child ended", to: me)
                let request = try await c.next("ping")
                c.send(.tuple(["pong", request]), to: me)
                _ = try await c.next("stop")
            }
            let ref = p.monitor(survivor)
            _ = try await p.expect("child ended") { $0 == "child ended" ? $0 : nil }
            p.send("ping", to: survivor)
            let reply = try await p.next("pong")
            let down = try await p.receive(timeout: .zero) { downReason(in: $0, ref: ref) }
            p.send("stop", to: survivor)
            return (reply, down == nil)
        }
        #expect(reply == .tuple(["pong", "ping"]))
        #expect(stillAlive)
    }

    /// `exit(pid, kill)` cannot be trapped: the target dies with `killed`,
    /// and its links see `killed` (which, unlike `kill`, is trappable).
    @Test func killIsUntrappableAndLinksSeeKilled() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (targetDown, linkedSees, trapped) = try await node.run { p in
            p.trapExit = true
            let me = p.pid
            let target = p.spawnLink { c in
                c.trapExit = true
                c.send("trapping", to: me)
                // It would turn any trappable signal into a message and keep going.
                while true {
                    let m = try await c.next("anything")
                    c.send(.tuple(["trapped", m]), to: me)
                }
            }
            let ref = p.monitor(target)
            _ = try await p.expect("trapping") { $0 == "trapping" ? $0 : nil }
            p.exit(target, reason: .atom(Atom.kill))
            let down = try await p.down(ref)
            let exit = try await p.exitSignal(from: target)
            let trapped = try await p.receive(timeout: .zero) { m in m[element: 0] == "trapped" ? m : nil }
            return (down, exit, trapped)
        }
        #expect(targetDown == .atom(Atom.killed))
        #expect(linkedSees == .atom(Atom.killed))
        #expect(trapped == nil)
    }

    /// A non-trapping process linked to a killed one dies too, with `killed`.
    @Test func killedPropagatesAsKilled() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (victim, bystander) = try await node.run { p in
            let me = p.pid
            let victim = p.spawn(LinkTests.idle)
            let bystander = p.spawn { c in
                try c.link(victim)
                c.send("linked", to: me)
                try await LinkTests.idle(c)
            }
            let vRef = p.monitor(victim)
            let bRef = p.monitor(bystander)
            _ = try await p.expect("linked") { $0 == "linked" ? $0 : nil }
            p.exit(victim, reason: .atom(Atom.kill))
            return (try await p.down(vRef), try await p.down(bRef))
        }
        #expect(victim == .atom(Atom.killed))
        #expect(bystander == .atom(Atom.killed))
    }

    /// An exit signal travels along a chain of 50 linked processes and stops
    /// at the trapping process at its head, which gets `{'EXIT', First, Reason}`.
    @Test func exitSignalPropagatesAlongAChainOfLinks() async throws {
        let length = 50
        let node = makeNode()
        defer { node.shutdown() }
        let (headSaw, downs, chainCount) = try await node.run { p in
            p.trapExit = true
            let head = p.pid
            // Each link of the chain reports its pid to the head, spawns the
            // next one linked, and waits; the last one crashes on `go`.
            @Sendable func member(_ depth: Int) -> Node.ProcessBody {
                { c in
                    c.send(.tuple(["member", .int(depth), .pid(c.pid)]), to: head)
                    if depth < length {
                        c.spawnLink(member(depth + 1))
                        try await LinkTests.idle(c)
                    } else {
                        _ = try await c.expect("go") { $0 == "go" ? $0 : nil }
                        throw Boom("end of chain")
                    }
                }
            }
            let first = p.spawnLink(member(1))
            var members: [Int: Pid] = [:]
            for _ in 0..<length {
                let m = try await p.expect("member") { m in m[element: 0] == "member" ? m : nil }
                if let d = m[element: 1]?.intValue, let pid = m[element: 2]?.pidValue { members[d] = pid }
            }
            let refs = members.mapValues { p.monitor($0) }
            members[length].map { p.send("go", to: $0) }
            let headSaw = try await p.exitSignal(from: first)
            var downs: [Term] = []
            for d in 1...length {
                guard let ref = refs[d] else { continue }
                downs.append(try await p.down(ref))
            }
            return (headSaw, downs, members.count)
        }
        #expect(chainCount == length)
        #expect(isBoomReason(headSaw, "end of chain"))
        #expect(downs.count == length)
        #expect(downs.allSatisfy { isBoomReason($0, "end of chain") })
    }

    /// The same along a chain of 10,000 links (Erlang handles any length).
    @Test
    func exitSignalPropagatesAlongAVeryLongChain() async throws {
        let length = 10_000
        let node = makeNode()
        defer { node.shutdown() }
        let reason = try await node.run { p in
            p.trapExit = true
            let head = p.pid
            @Sendable func member(_ depth: Int) -> Node.ProcessBody {
                { c in
                    if depth < length {
                        c.spawnLink(member(depth + 1))
                        try await LinkTests.idle(c)
                    } else {
                        c.send(.tuple(["last", .pid(c.pid)]), to: head)
                        _ = try await c.expect("go") { $0 == "go" ? $0 : nil }
                        throw Boom("end of long chain")
                    }
                }
            }
            let first = p.spawnLink(member(1))
            let last = try await p.expect("last") { m in m[element: 0] == "last" ? m[element: 1]?.pidValue : nil }
            p.send("go", to: last)
            return try await p.exitSignal(from: first, timeout: .seconds(30))
        }
        #expect(isBoomReason(reason, "end of long chain"))
    }

    /// A thrown Swift error ends the process with `{error, "Type", "description"}`;
    /// its links and monitors learn of it.
    @Test func thrownErrorIsTheExitReason() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (linkSaw, monitorSaw) = try await node.run { p in
            p.trapExit = true
            let me = p.pid
            let child = p.spawnLink { c in
                _ = try await c.expect("go") { $0 == "go" ? $0 : nil }
                throw Boom("thrown")
            }
            let watcher = p.spawn { c in
                let ref = c.monitor(child)
                c.send("watching", to: me)
                c.send(.tuple(["watcher saw", try await c.down(ref)]), to: me)
            }
            _ = watcher
            _ = try await p.expect("watching") { $0 == "watching" ? $0 : nil }
            p.send("go", to: child)
            let linkSaw = try await p.exitSignal(from: child)
            let monitorSaw = try await p.expect("watcher saw") { m in m[element: 0] == "watcher saw" ? m[element: 1] : nil }
            return (linkSaw, monitorSaw)
        }
        #expect(isBoomReason(linkSaw, "thrown"))
        #expect(linkSaw == monitorSaw)
        // The type is named in full (module-qualified).
        #expect(linkSaw[element: 1] == .string(String(reflecting: Boom.self)))
    }

    /// A crashing process that is not linked never takes down another.
    @Test func unlinkedCrashDoesNotSpread() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (crashReason, reply) = try await node.run { p in
            let me = p.pid
            let sibling = p.spawn { c in
                let m = try await c.next("ping")
                c.send(.tuple(["pong", m]), to: me)
            }
            let (_, ref) = p.spawnMonitor { _ in throw Boom("alone") }
            let crashReason = try await p.down(ref)
            p.send("ping", to: sibling)
            return (crashReason, try await p.next("pong"))
        }
        #expect(isBoomReason(crashReason, "alone"))
        #expect(reply == .tuple(["pong", "ping"]))
    }

    /// Linking to a dead process while trapping exits: `{'EXIT', Pid, noproc}`.
    @Test func linkToDeadProcessWhileTrapping() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let reason = try await node.run { p in
            let (dead, ref) = p.spawnMonitor { _ in }
            _ = try await p.down(ref)
            p.trapExit = true
            try p.link(dead)
            return try await p.exitSignal(from: dead)
        }
        #expect(reason == .atom(Atom.noproc))
    }

    /// Linking to a dead process without trapping: the linker exits with `noproc`.
    @Test func linkToDeadProcessWithoutTrappingKillsTheLinker() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (linkerReason, afterLink) = try await node.run { p in
            let me = p.pid
            let (dead, deadRef) = p.spawnMonitor { _ in }
            _ = try await p.down(deadRef)
            let (_, ref) = p.spawnMonitor { c in
                try c.link(dead)
                c.send("survived link", to: me)
            }
            let reason = try await p.down(ref)
            return (reason, try await p.receive(timeout: .zero))
        }
        #expect(linkerReason == .atom(Atom.noproc))
        #expect(afterLink == nil)
    }

    /// As OTP 25: the `noproc` of linking to a dead process is a catchable
    /// error; a process that catches it goes on (it keeps receiving) and ends
    /// normally.
    @Test func linkToDeadProcessWithoutTrappingIsCatchable() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (caught, answer, reason) = try await node.run { p in
            let me = p.pid
            let (dead, deadRef) = p.spawnMonitor { _ in }
            _ = try await p.down(deadRef)
            let (linker, ref) = p.spawnMonitor { c in
                var caught: Term = .undefined
                do { try c.link(dead) } catch let exit as ProcessExit { caught = exit.reason }
                c.send(.tuple([.atom("caught"), caught]), to: me)
                let ping = try await c.receive()
                c.send(.tuple([.atom("still here"), ping]), to: me)
            }
            let caught = try await p.receive()
            linker.send("ping")
            let answer = try await p.receive()
            return (caught, answer, try await p.down(ref))
        }
        #expect(caught == .tuple([.atom("caught"), .atom(Atom.noproc)]))
        #expect(answer == .tuple([.atom("still here"), "ping"]))
        #expect(reason == .normal)
    }

    /// After unlink, a crash no longer reaches the former link.
    @Test func unlinkStopsExitSignals() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (crash, signal, reply) = try await node.run { p in
            p.trapExit = true
            let me = p.pid
            let child = p.spawnLink { c in
                _ = try await c.expect("crash") { $0 == "crash" ? $0 : nil }
                throw Boom("after unlink")
            }
            let ref = p.monitor(child)
            p.unlink(child)
            p.send("crash", to: child)
            let crash = try await p.down(ref)
            let signal = try await p.receive(timeout: .milliseconds(20)) { exitReason(in: $0, from: child) }
            // A non-trapping process unlinked the same way also survives.
            let survivor = p.spawn { c in
                let doomed = c.spawnLink { d in
                    _ = try await d.expect("crash") { $0 == "crash" ? $0 : nil }
                    throw Boom("after unlink")
                }
                c.unlink(doomed)
                let dRef = c.monitor(doomed)
                c.send("crash", to: doomed)
                _ = try await c.down(dRef)
                c.send("still here", to: me)
            }
            _ = survivor
            return (crash, signal, try await p.expect("still here") { $0 == "still here" ? $0 : nil })
        }
        #expect(isBoomReason(crash, "after unlink"))
        #expect(signal == nil)
        #expect(reply == "still here")
    }

    /// `exit(pid, reason)` from another process: a non-trapping target dies
    /// with the reason; a trapping one gets `{'EXIT', Sender, Reason}`;
    /// `normal` is ignored by a non-trapping target.
    @Test func exitSignalSentByAnotherProcess() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (sender, plainDown, trapped, normalIgnored) = try await node.run { p in
            let me = p.pid
            let plain = p.spawn(LinkTests.idle)
            let plainRef = p.monitor(plain)
            p.exit(plain, reason: .atom("go_away"))
            let plainDown = try await p.down(plainRef)

            let trapper = p.spawn { c in
                c.trapExit = true
                c.send("trapping", to: me)
                let m = try await c.next("EXIT message")
                c.send(.tuple(["got", m]), to: me)
            }
            _ = try await p.expect("trapping") { $0 == "trapping" ? $0 : nil }
            p.exit(trapper, reason: .atom("go_away"))
            let trapped = try await p.expect("got") { m in m[element: 0] == "got" ? m[element: 1] : nil }

            let ignorer = p.spawn { c in
                let m = try await c.next("ping")
                c.send(.tuple(["pong", m]), to: me)
            }
            let ignorerRef = p.monitor(ignorer)
            p.exit(ignorer, reason: .normal)
            p.send("ping", to: ignorer)
            let pong = try await p.expect("pong") { m in m[element: 0] == "pong" ? m : nil }
            let down = try await p.down(ignorerRef)
            return (me, plainDown, trapped, pong == .tuple(["pong", "ping"]) && down == .normal)
        }
        #expect(plainDown == .atom("go_away"))
        #expect(trapped[element: 0] == .atom(Atom.exit))
        #expect(trapped[element: 1] == .pid(sender))
        #expect(trapped[element: 2] == .atom("go_away"))
        #expect(normalIgnored)
    }

    /// `exit(self(), normal)` is the one case where `normal` does end a
    /// non-trapping process: the caller exits with `normal` (Erlang's exit/2).
    @Test func exitSelfNormalEndsTheCaller() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (reason, survived) = try await node.run { p in
            let me = p.pid
            let (_, ref) = p.spawnMonitor { c in
                c.exit(c.pid, reason: .normal)
                _ = try await c.receive(timeout: .milliseconds(20))
                c.send("survived exit(self(), normal)", to: me)
                throw ProcessExit(.atom("survived"))
            }
            let reason = try await p.down(ref)
            return (reason, try await p.receive(timeout: .zero))
        }
        #expect(reason == .normal)
        #expect(survived == nil)
    }
}
