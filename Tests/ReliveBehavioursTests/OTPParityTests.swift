import ReliveKit
import ReliveRuntime
import Testing

/// Behaviour details where Relive follows OTP 25 as seen in real Erlang.
@Suite struct OTPParityTests {
    func makeNode() throws -> Node {
        let node = Node(name: "otp@test")
        try node.modules.load(LoadedModule(name: "worker", version: "1", code: .genServer(ObservedWorker())))
        try node.modules.load(LoadedModule(name: "sup", version: "1", code: .supervisor(TestSupervisor())))
        return node
    }

    /// The oldest `{started|stopped, …}` event sent to the observer.
    func event(_ p: LocalProcess) async throws -> Term? {
        try await p.receive(timeout: .seconds(5)) { m -> Term? in
            guard case .tuple(let e) = m, e.count == 3, e[0] == .atom("started") || e[0] == .atom("stopped") else { return nil }
            return e[0] == .atom("started") ? .tuple(e[0], e[1]) : m
        }
    }

    /// Stops from handle_call with a reply; its terminate takes a while (a
    /// 50 ms wait) and then tells the observer.
    struct SlowTerminator: GenServerBehaviour {
        func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Term> { .ok(args) }

        func handleCall(_ request: Term, from: CallFrom, state: inout Term, process: any ProcessContext) async throws -> GenServerCallResult {
            .stop(.normal, reply: .atom("bye"))
        }

        func terminate(reason: Term, state: Term, process: any ProcessContext) async {
            _ = try? await process.receive(timeout: .milliseconds(50)) { _ -> Term? in nil }
            try? process.send(.tuple(.atom("terminated"), reason), to: Atom("observer"))
        }
    }

    /// `{stop, Reason, Reply, State}`: terminate runs first and the reply is
    /// sent after it, so the caller never acts before the server cleaned up.
    /// (Replying first, the caller would look 50 ms before terminate is done.)
    @Test func stopReplyIsSentAfterTerminate() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try node.modules.load(LoadedModule(name: "slow_terminator", version: "1", code: .genServer(SlowTerminator())))
        let (reply, first) = try await node.run { p in
            try p.register("observer")
            let w = try #require(try await GenServer.start("slow_terminator", link: false, from: p).pid)
            let reply = try await GenServer.call(w, .atom("stop"), process: p)
            // One sender's messages arrive in order: terminate's message is here.
            return (reply, try await p.receive(timeout: .zero))
        }
        #expect(reply == .atom("bye"))
        #expect(first == .tuple(.atom("terminated"), .normal))
    }

    /// A suspended child (sys:suspend, as during an upgrade) still handles its
    /// supervisor's `{'EXIT', Parent, shutdown}`: terminate(shutdown) runs at
    /// once, not a kill after the shutdown timeout.
    @Test func suspendedChildTerminatesWhenItsSupervisorShutsItDown() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        let (stopped, reason) = try await node.run { p in
            try p.register("observer")
            let sup = try #require(try await Supervisor.start("sup", args: .tuple(.atom("one_for_one"), .int(3), .list([.atom("a")])), from: p).pid)
            _ = try await event(p)
            let a = try #require(try await Supervisor.whichChildren(sup, process: p).first?.pid)
            try await Sys.suspend(a, process: p)
            let ref = p.monitor(a)
            // The child's shutdown timeout is 2 s; the call's is 5 s. A child that
            // ignored its parent would be killed, and terminate never run.
            try await Supervisor.terminateChild(sup, .atom("a"), process: p)
            return (try await p.receive(timeout: .zero) { m -> Term? in
                if case .tuple(let e) = m, e.count == 3, e[0] == .atom("stopped") { return m }
                return nil
            }, try await p.receive(timeout: .seconds(5)) { m -> Term? in
                guard case .tuple(let e) = m, e.count == 5, e[0] == .atom(Atom.down), e[1] == .ref(ref) else { return nil }
                return e[4]
            })
        }
        #expect(stopped == .tuple(.atom("stopped"), .atom("a"), .atom("shutdown")))
        #expect(reason == .atom(Atom.shutdown))
    }

    /// A gen_statem that traps exits and tells the observer when it terminates.
    struct TrappingMachine: GenStatemBehaviour {
        typealias Data = Term
        var callbackMode: GenStatemCallbackMode { .handleEventFunction }

        func initialize(_ args: Term, process: any ProcessContext) async throws -> GenStatemStart<Term> {
            process.trapExit = true
            return .ok(state: .atom("idle"), data: .undefined)
        }

        func handleEvent(_ event: GenStatemEvent, _ content: Term, state: Term, data: inout Term,
                         process: any ProcessContext) async throws -> GenStatemResult {
            .keepStateAndData
        }

        func terminate(reason: Term, state: Term, data: Term, process: any ProcessContext) async {
            try? process.send(.tuple(.atom("terminated"), reason), to: Atom("observer"))
        }
    }

    /// The same for gen_statem (the loop shared with gen_event and
    /// supervisor): suspended, it still ends on its parent's exit.
    @Test func suspendedStatemTerminatesOnItsParentsExit() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try node.modules.load(LoadedModule(name: "trapping_machine", version: "1", code: .genStatem(TrappingMachine())))
        let (terminated, reason) = try await node.run { p in
            try p.register("observer")
            let me = p.pid
            let parent = p.spawn { q in
                let machine = try #require(try await GenStatem.start("trapping_machine", from: q).pid)
                q.send(.pid(machine), to: me)
                _ = try await q.receive()
                throw ProcessExit(.atom(Atom.shutdown))
            }
            let machine = try #require(try await p.receive(timeout: .seconds(5))?.pidValue)
            try await Sys.suspend(machine, process: p)
            let ref = p.monitor(machine)
            parent.send("go")
            let reason = try await p.receive(timeout: .seconds(5)) { m -> Term? in
                guard case .tuple(let e) = m, e.count == 5, e[0] == .atom(Atom.down), e[1] == .ref(ref) else { return nil }
                return e[4]
            }
            return (try await p.receive(timeout: .zero), reason)
        }
        #expect(terminated == .tuple(.atom("terminated"), .atom(Atom.shutdown)))
        #expect(reason == .atom(Atom.shutdown))
    }

    /// `gen_server:stop/3` works on a gen_statem too (OTP's proc_lib:stop):
    /// terminate runs with the reason.
    @Test func genServerStopStopsAGenStatem() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try node.modules.load(LoadedModule(name: "trapping_machine", version: "1", code: .genStatem(TrappingMachine())))
        let terminated = try await node.run { p in
            try p.register("observer")
            let machine = try #require(try await GenStatem.start("trapping_machine", link: false, from: p).pid)
            try await GenServer.stop(machine, reason: .atom("done"), process: p)
            #expect(!p.isProcessAlive(machine))
            return try await p.receive(timeout: .zero)
        }
        #expect(terminated == .tuple(.atom("terminated"), .atom("done")))
    }

    /// `gen_server:stop/3`: terminate runs with the reason, and stop returns
    /// once the server has ended; a dead server is `noproc`.
    @Test func genServerStopRunsTerminateAndWaitsForTheEnd() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try await node.run { p in
            try p.register("observer")
            let w = try #require(try await GenServer.start("worker", args: [.atom("w")], name: "stoppable", link: false, from: p).pid)
            _ = try await event(p)
            try await GenServer.stop("stoppable", reason: .atom(Atom.shutdown), process: p)
            #expect(!p.isProcessAlive(w))                              // ended before stop returned
            #expect(try await p.receive(timeout: .zero) == .tuple(.atom("stopped"), .atom("w"), .atom("shutdown")))
            await #expect(throws: CallError.noproc) { try await GenServer.stop(w, process: p) }
            await #expect(throws: CallError.noproc) { try await GenServer.stop("stoppable", process: p) }

            // A supervisor stops its children first.
            let sup = try #require(try await Supervisor.start("sup", args: .tuple(.atom("one_for_one"), .int(3), .list([.atom("b")])), link: false, from: p).pid)
            _ = try await event(p)
            try await GenServer.stop(sup, process: p)
            let stoppedB = try await event(p)
            #expect(stoppedB == .tuple(.atom("stopped"), .atom("b"), .atom("shutdown")))
            #expect(!p.isProcessAlive(sup))
            let rest = try await p.receive(timeout: .zero)
            #expect(rest == nil)
        }
    }

    /// OTP's refusal: terminate_child of a non-pid on simple_one_for_one is
    /// `{error, simple_one_for_one}`; of an unknown pid, `{error, not_found}`.
    @Test func simpleOneForOneRefusesTerminatingByIdAsOTPDoes() async throws {
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
            let sup = try #require(try await Supervisor.start("pool", from: p).pid)
            await #expect(throws: SupervisorError(.tuple(.atom("error"), .atom("simple_one_for_one")))) {
                try await Supervisor.terminateChild(sup, .atom("w"), process: p)
            }
            await #expect(throws: SupervisorError(.tuple(.atom("error"), .atom("not_found")))) {
                try await Supervisor.terminateChild(sup, .pid(p.pid), process: p)
            }
        }
    }
}
