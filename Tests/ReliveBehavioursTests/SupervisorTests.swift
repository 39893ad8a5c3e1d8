import ReliveKit
import ReliveRuntime
import Testing

@Suite struct SupervisorTests {
    func makeNode() throws -> Node {
        let node = Node(name: "sup@test")
        try node.modules.load(LoadedModule(name: "worker", version: "1", code: .genServer(ObservedWorker())))
        try node.modules.load(LoadedModule(name: "sup", version: "1", code: .supervisor(TestSupervisor())))
        return node
    }

    /// Collects `{started, Id, Pid}` / `{stopped, Id, Reason}` events sent to
    /// the calling process (registered as `observer`), `count` of them, in order.
    func events(_ p: LocalProcess, _ count: Int, within timeout: Duration = .seconds(5)) async throws -> [Term] {
        var out: [Term] = []
        for _ in 0..<count {
            guard let m = try await p.receive(timeout: timeout, matching: { m -> Term? in
                guard case .tuple(let e) = m, e.count == 3, e[0] == .atom("started") || e[0] == .atom("stopped") else { return nil }
                return e[0] == .atom("started") ? .tuple(e[0], e[1]) : .tuple(e[0], e[1], e[2])
            }) else { break }
            out.append(m)
        }
        return out
    }

    func startSup(_ p: LocalProcess, _ strategy: String, intensity: Int = 3, ids: [Term]) async throws -> Pid {
        try #require(try await Supervisor.start("sup", args: .tuple(.atom(strategy), .int(intensity), .list(ids)), from: p).pid)
    }

    func pid(of id: Term, in sup: Pid, _ p: LocalProcess) async throws -> Pid {
        try #require(try await Supervisor.whichChildren(sup, process: p).first { $0.id == id }?.pid)
    }

    @Test func childrenStartInOrderAndStopInReverseOrder() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try await node.run { p in
            try p.register("observer")
            p.trapExit = true
            let sup = try await startSup(p, "one_for_one", ids: [.atom("a"), .atom("b"), .atom("c")])
            #expect(try await events(p, 3) == [.tuple(.atom("started"), .atom("a")), .tuple(.atom("started"), .atom("b")),
                                                 .tuple(.atom("started"), .atom("c"))])
            p.exit(sup, reason: .atom(Atom.shutdown))
            #expect(try await events(p, 3) == [
                .tuple(.atom("stopped"), .atom("c"), .atom("shutdown")),
                .tuple(.atom("stopped"), .atom("b"), .atom("shutdown")),
                .tuple(.atom("stopped"), .atom("a"), .atom("shutdown")),
            ])
        }
    }

    @Test(arguments: [
        ("one_for_one", [], ["b"]),
        ("one_for_all", ["c", "a"], ["a", "b", "c"]),
        ("rest_for_one", ["c"], ["b", "c"]),
    ])
    func eachStrategyRestartsItsSet(strategy: String, stopped: [String], restarted: [String]) async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try await node.run { p in
            try p.register("observer")
            let sup = try await startSup(p, strategy, ids: [.atom("a"), .atom("b"), .atom("c")])
            _ = try await events(p, 3)
            let b = try await pid(of: .atom("b"), in: sup, p)
            GenServer.cast(b, .atom("crash"))
            let expected: [Term] = [.tuple(.atom("stopped"), .atom("b"), .atom("crashed"))]
                + stopped.map { .tuple(.atom("stopped"), .atom($0), .atom("shutdown")) }
                + restarted.map { .tuple(.atom("started"), .atom($0)) }
            #expect(try await events(p, expected.count) == expected)
            // Nothing else happens.
            #expect(try await events(p, 1, within: .milliseconds(50)).isEmpty)
            #expect(try await Supervisor.countChildren(sup, process: p)["active"] == 3)
        }
    }

    @Test func exceedingTheIntensityStopsAllChildrenAndExitsWithShutdown() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try await node.run { p in
            try p.register("observer")
            p.trapExit = true
            let sup = try await startSup(p, "one_for_one", intensity: 2, ids: [.atom("a"), .atom("b")])
            _ = try await events(p, 2)
            var a = try await pid(of: .atom("a"), in: sup, p)
            var crashes = 0
            var exit: Term? = nil
            while crashes < 10 {
                GenServer.cast(a, .atom("crash"))
                crashes += 1
                _ = try await events(p, 1)   // stopped a
                // Then either the restarted a, whose pid its start event names (asking
                // the supervisor could still give the old one), or the supervisor's end.
                let next = try await p.receive(timeout: .seconds(5)) { m -> Term? in
                    guard case .tuple(let e) = m, e.count == 3 else { return nil }
                    if e[0] == .atom("started") && e[1] == .atom("a") { return m }
                    return e[0] == .atom(Atom.exit) && e[1] == .pid(sup) ? m : nil
                }
                guard let next, next[element: 0] == .atom("started"), let restarted = next[element: 2]?.pidValue else {
                    exit = next?[element: 2]
                    break
                }
                a = restarted
            }
            #expect(crashes == 3)                 // intensity 2: the third crash within the period is one too many
            #expect(exit == .atom("shutdown"))
            #expect(node.processes.contains(sup) == false)
        }
    }

    @Test func aChildIgnoringShutdownIsKilledAfterItsTimeout() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        struct StubbornSup: SupervisorBehaviour {
            func initialize(_ args: Term) throws -> SupervisorSpec? {
                SupervisorSpec(children: [
                    ChildSpec(id: .atom("stubborn"), start: .function({ parent, _ in
                        let supervisor = parent.pid
                        let spawned = parent.spawn(.link) { me in
                            me.trapExit = true
                            supervisor.send(.tuple([.atom("trapping"), .pid(me.pid)]))
                            while true { _ = try await me.receive() }   // ignores {'EXIT', Sup, shutdown}
                        }
                        // Started only once it traps exits: a shutdown sent earlier would simply kill it.
                        _ = try await parent.receive(timeout: .seconds(5)) { m -> Term? in
                            m == .tuple([.atom("trapping"), .pid(spawned.pid)]) ? m : nil
                        }
                        return spawned.pid
                    }), shutdown: .timeout(.milliseconds(100))),
                ])
            }
        }
        try node.modules.load(LoadedModule(name: "stubborn_sup", version: "1", code: .supervisor(StubbornSup())))
        try await node.run { p in
            p.trapExit = true
            let sup = try #require(try await Supervisor.start("stubborn_sup", from: p).pid)
            let child = try #require(try await Supervisor.whichChildren(sup, process: p).first?.pid)
            let monitor = p.monitor(child)
            try await Supervisor.terminateChild(sup, .atom("stubborn"), process: p)
            let reason = try await p.receive(timeout: .seconds(5)) { m -> Term? in
                m[element: 1] == .ref(monitor) ? m[element: 4] : nil
            }
            #expect(reason == .atom("killed"))
            #expect(try await Supervisor.whichChildren(sup, process: p).first?.pid == nil)
        }
    }

    @Test func aChildWhoseInitFailsMakesStartFailAndLeavesNothingRunning() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try await node.run { p in
            try p.register("observer")
            p.trapExit = true
            let before = node.processCount
            await #expect(throws: StartError(.tuple(.atom("shutdown"),
                                                    .tuple(.atom("failed_to_start_child"), .atom("b"), .atom("init_failed"))))) {
                try await Supervisor.start("sup", args: .tuple(.atom("one_for_one"), 3, [.atom("a"), .tuple(.atom("b"), .atom("fail")), .atom("c")]), from: p)
            }
            #expect(try await events(p, 2) == [.tuple(.atom("started"), .atom("a")),
                                                 .tuple(.atom("stopped"), .atom("a"), .atom("shutdown"))])
            #expect(node.processCount == before)
        }
    }

    @Test func startTerminateRestartDeleteAndCountChildren() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try await node.run { p in
            try p.register("observer")
            let sup = try await startSup(p, "one_for_one", ids: [.atom("a")])
            let spec = ChildSpec(id: .atom("x"), start: .module("worker", args: [.atom("x")]), restart: .transient)
            let x = try #require(try await Supervisor.startChild(sup, spec, process: p))
            await #expect(throws: SupervisorError(.tuple(.atom("error"), .tuple(.atom("already_started"), .pid(x))))) {
                try await Supervisor.startChild(sup, spec, process: p)
            }
            #expect(try await Supervisor.whichChildren(sup, process: p).map(\.id) == [.atom("a"), .atom("x")])
            try await Supervisor.terminateChild(sup, .atom("x"), process: p)
            #expect(try await Supervisor.countChildren(sup, process: p) == ["specs": 2, "active": 1, "supervisors": 0, "workers": 2])
            await #expect(throws: SupervisorError.self) { try await Supervisor.startChild(sup, spec, process: p) }   // already_present
            let x2 = try #require(try await Supervisor.restartChild(sup, .atom("x"), process: p))
            #expect(x2 != x)
            // A transient child that exits normally is not restarted.
            GenServer.cast(x2, .atom("quit"))
            _ = try await events(p, 4)
            // The supervisor's answer changes once it has handled x2's exit: then
            // it shows at once whether it restarted x (no wait for it not to).
            var after: Pid? = x2
            while after == x2 {
                after = try await Supervisor.whichChildren(sup, process: p).first { $0.id == .atom("x") }?.pid
            }
            #expect(after == nil)
            try await Supervisor.deleteChild(sup, .atom("x"), process: p)
            #expect(try await Supervisor.whichChildren(sup, process: p).map(\.id) == [.atom("a")])
        }
    }

    @Test func simpleOneForOneStartsChildrenFromTheTemplate() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        struct PoolSup: SupervisorBehaviour {
            func initialize(_ args: Term) throws -> SupervisorSpec? {
                SupervisorSpec(flags: SupervisorFlags(strategy: .simpleOneForOne, intensity: 5),
                               children: [ChildSpec(id: .atom("w"), start: .module("worker", args: []), restart: .temporary)])
            }
        }
        try node.modules.load(LoadedModule(name: "pool", version: "1", code: .supervisor(PoolSup())))
        try await node.run { p in
            try p.register("observer")
            let sup = try #require(try await Supervisor.start("pool", from: p).pid)
            var pids: [Pid] = []
            for i in 0..<5 { pids.append(try #require(try await Supervisor.startChild(sup, extraArgs: [.int(i)], process: p))) }
            #expect(try await Supervisor.countChildren(sup, process: p)["active"] == 5)
            #expect(try await GenServer.call(pids[3], .atom("id"), process: p) == 3)
            try await Supervisor.terminateChild(sup, .pid(pids[0]), process: p)
            GenServer.cast(pids[1], .atom("crash"))   // temporary: not restarted
            _ = try await events(p, 7)
            // As above: once pids[1]'s exit is handled, any restart would show too.
            var children = Set(pids)
            while children.contains(pids[1]) {
                children = Set(try await Supervisor.whichChildren(sup, process: p).compactMap(\.pid))
            }
            #expect(children == Set(pids[2...]))
        }
    }

    /// `LocalProcess.releaseSuspension` (the release handler's commit): the
    /// supervisor answers the call it passed over while suspended, with no
    /// `resume` sent.
    @Test func aReleasedSuspensionLetsTheSupervisorAnswerWhatWaited() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try await node.run { p in
            let sup = try await startSup(p, "one_for_one", ids: [.atom("a")])
            try await Sys.suspend(sup, process: p)
            let tag = p.makeRef()
            sup.send(.tuple([.atom("$gen_call"), .tuple([.pid(p.pid), .ref(tag)]), .atom("which_children")]))
            // Answered behind the call: the supervisor has passed over it, and waits.
            _ = try await Sys.getStatus(sup, process: p)
            #expect(LocalProcess.releaseSuspension(of: sup))
            let children = try #require(try await p.receive(timeout: .seconds(10)) { m in
                m[element: 0] == .ref(tag) ? m[element: 1] : nil
            })
            #expect(children.listElements?.count == 1)
            #expect("\(try await Sys.getStatus(sup, process: p))".contains("{status,running}"))
        }
    }

    @Test func codeChangeTakesTheNewSpecsWithoutRestartingChildren() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try await node.run { p in
            try p.register("observer")
            let sup = try await startSup(p, "one_for_one", ids: [.atom("a")])
            let a = try await pid(of: .atom("a"), in: sup, p)
            try node.modules.purge("sup", brutal: false)
            try node.modules.load(LoadedModule(name: "sup", version: "2", code: .supervisor(TestSupervisor(extraChild: .atom("new")))))
            try await Sys.suspend(sup, process: p)
            try await Sys.changeCode(sup, module: "sup", oldVersion: "1", extra: [], process: p)
            try await Sys.resume(sup, process: p)
            let children = try await Supervisor.whichChildren(sup, process: p)
            #expect(children.map(\.id) == [.atom("a"), .atom("new")])
            #expect(children[0].pid == a)          // not restarted
            #expect(children[1].pid == nil)        // added, not started
            #expect(try await Supervisor.restartChild(sup, .atom("new"), process: p) != nil)
        }
    }
}
