import ReliveKit
import ReliveRuntime
import Testing

/// The registry: one name per process, one process per name, freed on death.
@Suite struct RegistryTests {
    @Test func registerWhereisSendUnregister() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let worker: Atom = "worker"
        let (pid, seenByProcess, reply, afterUnregister, sendError) = try await node.run { p in
            let me = p.pid
            let pid = p.spawn { c in
                try c.register(worker)
                c.send("registered", to: me)
                let m = try await c.next("hello")
                c.send(.tuple(["got", m]), to: me)
                _ = try await c.expect("unregister") { $0 == "unregister" ? $0 : nil }
                c.unregister()
                c.send("unregistered", to: me)
                _ = try await c.next("stop")
            }
            _ = try await p.expect("registered") { $0 == "registered" ? $0 : nil }
            let seen = p.whereis(worker)
            try p.send("hello", to: worker)
            let reply = try await p.expect("got") { m in m[element: 0] == "got" ? m[element: 1] : nil }
            p.send("unregister", to: pid)
            _ = try await p.expect("unregistered") { $0 == "unregistered" ? $0 : nil }
            let after = p.whereis(worker)
            var sendError: RegistryError? = nil
            do { try p.send("lost", to: worker) } catch let e as RegistryError { sendError = e }
            p.send("stop", to: pid)
            return (pid, seen, reply, after, sendError)
        }
        #expect(seenByProcess == pid)
        #expect(reply == "hello")
        #expect(afterUnregister == nil)
        #expect(node.whereis(worker) == nil)
        #expect(sendError == .notRegistered(worker))
    }

    @Test func nodeSeesRegisteredNames() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (whereis, listed, pid) = try await node.run { p in
            try p.register("visible")
            return (node.whereis("visible"), node.registeredNames.contains("visible"), p.pid)
        }
        #expect(whereis == pid)
        #expect(listed)
    }

    /// One name per process: a second name is refused with `alreadyRegistered`.
    @Test func oneNamePerProcess() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (error, pid, stillFirst) = try await node.run { p in
            try p.register("first")
            var error: RegistryError? = nil
            do { try p.register("second") } catch let e as RegistryError { error = e }
            return (error, p.pid, p.whereis("first") == p.pid && p.whereis("second") == nil)
        }
        #expect(error == .alreadyRegistered(pid, as: "first"))
        #expect(stillFirst)
    }

    /// A taken name is refused with `nameTaken`, naming its owner.
    @Test func takenNameIsAClearError() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (error, owner) = try await node.run { p in
            try p.register("taken")
            let me = p.pid
            p.spawn { c in
                do {
                    try c.register("taken")
                    c.send("registered?!", to: me)
                } catch let e as RegistryError {
                    c.send(.tuple(["error", .string(e.description), e == .nameTaken("taken", by: me) ? true : false]), to: me)
                }
            }
            return (try await p.next("error"), p.pid)
        }
        #expect(error[element: 0] == "error")
        #expect(error[element: 2] == true)
        #expect(error[element: 1]?.stringValue?.contains("\(owner)") == true)
        #expect(error[element: 1]?.stringValue?.contains("taken") == true)
    }

    /// The name is freed when its process dies (and can be taken again).
    @Test func nameIsFreedWhenTheProcessDies() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let (freed, newOwner, me) = try await node.run { p in
            let me = p.pid
            let (_, ref) = p.spawnMonitor { c in
                try c.register("mortal")
                c.send("registered", to: me)
                _ = try await c.next("die")
                throw Boom("mortal")
            }
            _ = try await p.expect("registered") { $0 == "registered" ? $0 : nil }
            try p.send("die", to: "mortal")
            _ = try await p.down(ref)
            let freed = await eventually { p.whereis("mortal") == nil }
            try p.register("mortal")
            return (freed, p.whereis("mortal"), me)
        }
        #expect(freed)
        #expect(newOwner == me)
    }

    /// Many processes race to register one name: exactly one wins, every
    /// loser gets `nameTaken` naming the winner. Several rounds.
    @Test(arguments: 1...5)
    func registryRace(round: Int) async throws {
        let racers = 16
        let node = makeNode()
        defer { node.shutdown() }
        let name = Atom("prize_\(round)")
        let (winners, losers, badErrors) = try await node.run { p in
            let me = p.pid
            var pids: [Pid] = []
            for _ in 0..<racers {
                pids.append(p.spawn { c in
                    _ = try await c.expect("go") { $0 == "go" ? $0 : nil }
                    do {
                        try c.register(name)
                        c.send(.tuple(["won", .pid(c.pid)]), to: me)
                    } catch let e as RegistryError {
                        if case .nameTaken(let n, let owner) = e, n == name {
                            c.send(.tuple(["lost", .pid(owner)]), to: me)
                        } else {
                            c.send(.tuple(["bad", .string(e.description)]), to: me)
                        }
                    }
                    // Stay alive (and registered) until the round is over.
                    _ = try await c.next("stop")
                })
            }
            for pid in pids { p.send("go", to: pid) }
            var winners: [Pid] = []
            var losersSaw: [Pid] = []
            var bad = 0
            for _ in 0..<racers {
                let m = try await p.next("race result")
                switch m[element: 0] {
                case "won": winners.append(m[element: 1]!.pidValue!)
                case "lost": losersSaw.append(m[element: 1]!.pidValue!)
                default: bad += 1
                }
            }
            let owner = p.whereis(name)
            for pid in pids { p.send("stop", to: pid) }
            return (winners + (owner.map { [$0] } ?? []), losersSaw, bad)
        }
        // winners = [the one that reported winning, whereis(name)]
        #expect(winners.count == 2)
        #expect(winners.first == winners.last)
        #expect(losers.count == racers - 1)
        #expect(losers.allSatisfy { $0 == winners.first })
        #expect(badErrors == 0)
    }

    /// A dead process cannot be found by name, and sending to the name fails.
    @Test func sendToNameOfDeadProcessFails() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        let error = try await node.run { p -> RegistryError? in
            let (_, ref) = p.spawnMonitor { c in try c.register("gone") }
            _ = try await p.down(ref)
            guard await eventually({ p.whereis("gone") == nil }) else { throw Missing(what: "name freed") }
            do { try p.send("x", to: "gone") } catch let e as RegistryError { return e }
            return nil
        }
        #expect(error == .notRegistered("gone"))
    }
}
