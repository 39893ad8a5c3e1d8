import Logging
import ReliveKit
import ReliveRuntime
import Testing

@Suite struct GenStatemTests {
    static let modules: [(String, String, ModuleCode)] = [
        ("door_sf", "1", .genStatem(DoorStateFunctions())),
        ("door_he", "1", .genStatem(DoorHandleEvent())),
        ("door", "1", .genStatem(DoorStateFunctions())),
        ("probe", "1", .genStatem(Probe())),
        ("bad_enter", "1", .genStatem(BadEnter())),
    ]

    func node(logger: Logger = Logger(label: "relive")) throws -> Node {
        let node = Node(name: "statem@test", logger: logger)
        for (name, vsn, code) in Self.modules {
            try node.modules.load(LoadedModule(name: Atom(name), version: vsn, code: code))
        }
        return node
    }

    /// The next message (a hang guard, not a timing bound: events come in milliseconds).
    func next(_ p: LocalProcess) async throws -> Term {
        try #require(try await p.receive(timeout: .seconds(10)))
    }

    /// Sends a call without waiting for its reply; returns its tag.
    func send(call request: Term, to server: Pid, from p: LocalProcess) -> Term {
        let from = CallFrom(replyTo: p.pid, tag: p.makeRef())
        server.send(.tuple([.atom("$gen_call"), from.term, request]))
        return .ref(from.tag)
    }

    func reply(to tag: Term, _ p: LocalProcess) async throws -> Term {
        try #require(try await p.receive(timeout: .seconds(10)) { m in m[element: 0] == tag ? m[element: 1] : nil })
    }

    static func button(_ n: Int) -> Term { .tuple([.atom("button"), .int(n)]) }
    static func ops(_ ops: Term...) -> Term { .tuple([.atom("do"), .list(ops)]) }
    static func event(_ type: Term, _ content: Term, _ state: String) -> Term { .tuple([type, content, .atom(state)]) }

    /// `LocalProcess.releaseSuspension` (the release handler's commit): the
    /// machine takes the call it passed over while suspended, with no
    /// `resume` sent, and says it runs.
    @Test func aReleasedSuspensionLetsTheMachineTakeWhatWaitedWithoutAResume() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let door = try #require(try await GenStatem.start("door_sf", args: [1, 2, 3], name: nil, from: p).pid)
            try await Sys.suspend(door, process: p)
            let pressed = send(call: Self.button(1), to: door, from: p)
            // Answered behind the call: the door has passed over it, and waits.
            _ = try await Sys.getStatus(door, process: p)
            #expect(LocalProcess.releaseSuspension(of: door))
            #expect(try await reply(to: pressed, p) == .atom("locked"))
            #expect("\(try await Sys.getStatus(door, process: p))".contains("{status,running}"))
            #expect(!LocalProcess.releaseSuspension(of: door))   // nothing left to release
        }
    }

    @Test(arguments: ["door_sf", "door_he"])
    func doorOpensOnItsCodeLocksOnAStateTimeoutAndRetriesPostponedCalls(module: String) async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let door = try #require(try await GenStatem.start(Atom(module), args: [1, 2, 3], name: "door", from: p).pid)
            #expect(try await GenStatem.call(door, Self.button(1), process: p) == .atom("locked"))
            #expect(try await GenStatem.call(Atom("door"), Self.button(2), process: p) == .atom("locked"))
            // Both calls are queued before the door handles the first: the
            // second arrives in `open`, is postponed, and is retried in
            // `locked` after the state timeout set by open's enter call.
            try await Sys.suspend(door, process: p)
            let opening = send(call: Self.button(3), to: door, from: p)
            let pressed = send(call: Self.button(1), to: door, from: p)
            try await Sys.resume(door, process: p)
            #expect(try await reply(to: opening, p) == .atom("open"))
            #expect(try await reply(to: pressed, p) == .atom("locked"))
            let state = try await Sys.getState(door, process: p)
            #expect(state[element: 0] == .atom("locked"))
            let data = try DoorData(try #require(state[element: 1]))
            #expect(data.enters == [.atom("locked"), .atom("open"), .atom("locked")])
            #expect(data.input == [1])
        }
    }

    @Test func stopAndReplyRepliesThenStops() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            p.trapExit = true
            let door = try #require(try await GenStatem.start("door_sf", from: p).pid)
            #expect(try await GenStatem.call(door, .atom("stop"), process: p) == .ok)
            #expect(try await next(p) == .tuple(.atom("EXIT"), .pid(door), .normal))
        }
    }

    @Test func eventTimeoutFiresAndAnyEventCancelsIt() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let probe = try #require(try await GenStatem.start("probe", args: .tuple(.pid(p.pid)), from: p).pid)
            GenStatem.cast(probe, Self.ops(.tuple(.atom("event_timeout"), 10, .atom("tick"))))
            #expect(try await next(p) == Self.event(.atom("timeout"), .atom("tick"), "idle"))
            // The ping is queued behind the cast that sets the timeout, so it
            // is the next event and cancels it: only the later marker fires.
            try await Sys.suspend(probe, process: p)
            GenStatem.cast(probe, Self.ops(.tuple(.atom("event_timeout"), 30, .atom("tick")),
                                           .tuple(.atom("generic"), .atom("marker"), 120, .atom("marker"))))
            GenStatem.cast(probe, .atom("ping"))
            try await Sys.resume(probe, process: p)
            #expect(try await next(p) == Self.event(.atom("cast"), .atom("ping"), "idle"))
            #expect(try await next(p) == Self.event(.tuple(.atom("timeout"), .atom("marker")), .atom("marker"), "idle"))
        }
    }

    @Test func stateTimeoutSurvivesEventsButNotAStateChange() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let probe = try #require(try await GenStatem.start("probe", args: .tuple(.pid(p.pid)), from: p).pid)
            try await Sys.suspend(probe, process: p)
            GenStatem.cast(probe, Self.ops(.tuple(.atom("state_timeout"), 20, .atom("st"))))
            GenStatem.cast(probe, .atom("ping"))
            try await Sys.resume(probe, process: p)
            #expect(try await next(p) == Self.event(.atom("cast"), .atom("ping"), "idle"))
            #expect(try await next(p) == Self.event(.atom("state_timeout"), .atom("st"), "idle"))

            try await Sys.suspend(probe, process: p)
            GenStatem.cast(probe, Self.ops(.tuple(.atom("state_timeout"), 30, .atom("st")),
                                           .tuple(.atom("generic"), .atom("marker"), 120, .atom("marker"))))
            GenStatem.cast(probe, Self.ops(.tuple(.atom("goto"), .atom("busy"))))
            GenStatem.cast(probe, .atom("ping"))
            try await Sys.resume(probe, process: p)
            #expect(try await next(p) == Self.event(.atom("cast"), .atom("ping"), "busy"))
            #expect(try await next(p) == Self.event(.tuple(.atom("timeout"), .atom("marker")), .atom("marker"), "busy"))

            // A state timeout set by the transition that changes the state runs in the new state.
            GenStatem.cast(probe, Self.ops(.tuple(.atom("goto"), .atom("other")), .tuple(.atom("state_timeout"), 10, .atom("st2"))))
            #expect(try await next(p) == Self.event(.atom("state_timeout"), .atom("st2"), "other"))
        }
    }

    @Test func genericTimeoutsAreNamedCancellableAndSurviveStateChanges() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let probe = try #require(try await GenStatem.start("probe", args: .tuple(.pid(p.pid)), from: p).pid)
            try await Sys.suspend(probe, process: p)
            GenStatem.cast(probe, Self.ops(.tuple(.atom("generic"), .atom("a"), 20, .atom("a")),
                                           .tuple(.atom("generic"), .atom("b"), 40, .atom("b")),
                                           .tuple(.atom("generic"), .atom("marker"), 150, .atom("marker"))))
            // `a` is cancelled by setting it to infinity; `b` outlives the state change.
            GenStatem.cast(probe, Self.ops(.tuple(.atom("generic"), .atom("a"), .atom("infinity"), .atom("a")),
                                           .tuple(.atom("goto"), .atom("s2"))))
            try await Sys.resume(probe, process: p)
            #expect(try await next(p) == Self.event(.tuple(.atom("timeout"), .atom("b")), .atom("b"), "s2"))
            #expect(try await next(p) == Self.event(.tuple(.atom("timeout"), .atom("marker")), .atom("marker"), "s2"))

            try await Sys.suspend(probe, process: p)
            GenStatem.cast(probe, Self.ops(.tuple(.atom("generic"), .atom("c"), 20, .atom("c")),
                                           .tuple(.atom("generic"), .atom("m2"), 100, .atom("m2"))))
            GenStatem.cast(probe, Self.ops(.tuple(.atom("cancel"), .atom("c"))))
            try await Sys.resume(probe, process: p)
            #expect(try await next(p) == Self.event(.tuple(.atom("timeout"), .atom("m2")), .atom("m2"), "s2"))
        }
    }

    @Test func zeroTimeoutsFireAfterQueuedEventsBeforeTheMailboxAndCanBeCancelledOrUpdated() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let probe = try #require(try await GenStatem.start("probe", args: .tuple(.pid(p.pid)), from: p).pid)
            try await Sys.suspend(probe, process: p)
            GenStatem.cast(probe, Self.ops(.tuple(.atom("state_timeout"), 0, .atom("z")), .tuple(.atom("next"), .atom("n1"))))
            GenStatem.cast(probe, .atom("ping"))
            try await Sys.resume(probe, process: p)
            #expect(try await next(p) == Self.event(.atom("internal"), .atom("n1"), "idle"))
            #expect(try await next(p) == Self.event(.atom("state_timeout"), .atom("z"), "idle"))
            #expect(try await next(p) == Self.event(.atom("cast"), .atom("ping"), "idle"))

            // The queued internal event changes the state, which cancels the zero state timeout.
            GenStatem.cast(probe, Self.ops(.tuple(.atom("state_timeout"), 0, .atom("z")),
                                           .tuple(.atom("next"), Self.ops(.tuple(.atom("goto"), .atom("b")))),
                                           .tuple(.atom("generic"), .atom("marker"), 0, .atom("m"))))
            #expect(try await next(p) == Self.event(.tuple(.atom("timeout"), .atom("marker")), .atom("m"), "b"))

            // update: a running timer keeps its time and takes the new content; none running fires at once.
            try await Sys.suspend(probe, process: p)
            GenStatem.cast(probe, Self.ops(.tuple(.atom("generic"), .atom("g"), 30, .atom("old"))))
            GenStatem.cast(probe, Self.ops(.tuple(.atom("update"), .atom("g"), .atom("new"))))
            try await Sys.resume(probe, process: p)
            #expect(try await next(p) == Self.event(.tuple(.atom("timeout"), .atom("g")), .atom("new"), "b"))
            GenStatem.cast(probe, Self.ops(.tuple(.atom("update"), .atom("state"), .atom("now"))))
            #expect(try await next(p) == Self.event(.atom("state_timeout"), .atom("now"), "b"))
        }
    }

    @Test func postponedEventsAreRetriedInOrderAfterAStateChangeAfterNextEvents() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let probe = try #require(try await GenStatem.start("probe", args: .tuple(.pid(p.pid), .atom("hold")), from: p).pid)
            GenStatem.cast(probe, 1)
            GenStatem.cast(probe, 2)
            probe.send(.tuple(.atom("info"), 3))
            // Keeping the state retries nothing; the internal event is handled in `hold`.
            GenStatem.cast(probe, Self.ops(.tuple(.atom("next"), .atom("x"))))
            GenStatem.cast(probe, Self.ops(.tuple(.atom("goto"), .atom("ready")),
                                           .tuple(.atom("next"), .atom("first")), .tuple(.atom("next"), .atom("second"))))
            GenStatem.cast(probe, 4)
            #expect(try await next(p) == Self.event(.atom("internal"), .atom("x"), "hold"))
            #expect(try await next(p) == Self.event(.atom("internal"), .atom("first"), "ready"))
            #expect(try await next(p) == Self.event(.atom("internal"), .atom("second"), "ready"))
            #expect(try await next(p) == Self.event(.atom("cast"), 1, "ready"))
            #expect(try await next(p) == Self.event(.atom("cast"), 2, "ready"))
            #expect(try await next(p) == Self.event(.atom("info"), .tuple(.atom("info"), 3), "ready"))
            #expect(try await next(p) == Self.event(.atom("cast"), 4, "ready"))
        }
    }

    @Test func codeChangeTransformsStateAndDataAndRevertRestoresThem() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let a = try #require(try await GenStatem.start("door", args: [1, 2, 3], from: p).pid)
            let b = try #require(try await GenStatem.start("door", args: [1, 2, 3], from: p).pid)
            #expect(try await GenStatem.call(a, Self.button(1), process: p) == .atom("locked"))
            try node.modules.load(LoadedModule(name: "door", version: "2", code: .genStatem(DoorV2())))
            #expect(try await GenStatem.call(a, .atom("version"), process: p) == .atom("v1"))

            try await Sys.suspend(a, process: p)
            try await Sys.changeCode(a, module: "door", oldVersion: "1", extra: [], process: p)
            try await Sys.resume(a, process: p)
            #expect(try await GenStatem.call(a, .atom("version"), process: p) == .atom("v2"))
            let state = try await Sys.getState(a, process: p)
            #expect(state[element: 0] == .tuple(.atom("door"), .atom("locked")))
            #expect(state[element: 1]?[element: 1] == "1")
            #expect(try DoorData(try #require(state[element: 1]?[element: 0])).input == [1])
            // The new code runs with the carried data (and a new callback mode).
            #expect(try await GenStatem.call(a, Self.button(2), process: p) == .atom("locked"))
            #expect(try await GenStatem.call(a, Self.button(3), process: p) == .atom("open"))
            #expect(try await Sys.getState(a, process: p)[element: 0] == .tuple(.atom("door"), .atom("open")))

            // b: a code change that throws leaves it as it was; one that works is reverted.
            let before = try await Sys.getState(b, process: p)
            try await Sys.suspend(b, process: p)
            await #expect(throws: SysError.self) {
                try await Sys.changeCode(b, module: "door", oldVersion: "1", extra: .atom("refuse"), process: p)
            }
            try await Sys.changeCode(b, module: "door", oldVersion: "1", extra: [], process: p)
            #expect(try await Sys.getState(b, process: p)[element: 0] == .tuple(.atom("door"), .atom("locked")))
            try await Sys.revertCode(b, process: p)
            try await Sys.resume(b, process: p)
            #expect(try await GenStatem.call(b, .atom("version"), process: p) == .atom("v1"))
            #expect(try await Sys.getState(b, process: p) == before)
            let users = Dictionary(uniqueKeysWithValues: node.modules.users(of: Atom("door")).map { ($0.pid, $0.version) })
            #expect(users == [a: "2", b: "1"])
        }
    }

    @Test func messagesQueuedWhileSuspendedAreHandledInOrderAfterResume() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let probe = try #require(try await GenStatem.start("probe", args: .tuple(.pid(p.pid)), from: p).pid)
            try await Sys.suspend(probe, process: p)
            for i in 0..<50 { GenStatem.cast(probe, .int(i)) }
            await #expect(throws: CallError.timeout) {
                try await GenStatem.call(probe, .atom("state"), timeout: .milliseconds(30), process: p)
            }
            #expect(try await Sys.getState(probe, process: p) == .tuple(.atom("idle"), .pid(p.pid)))
            let status = try await Sys.getStatus(probe, process: p)
            #expect(status[element: 2] == .tuple(.atom("module"), .atom("gen_statem")))
            #expect(try await p.receive(timeout: .zero) == nil)
            try await Sys.resume(probe, process: p)
            for i in 0..<50 {
                #expect(try await next(p) == Self.event(.atom("cast"), .int(i), "idle"))
            }
        }
    }

    @Test func anActionForbiddenInAnEnterCallEndsTheMachineWithOTPsReasonAndAReport() async throws {
        let capture = LogCapture()
        let node = try node(logger: capture.logger)
        defer { node.shutdown() }
        try await node.run { p in
            p.trapExit = true
            let pid = try #require(try await GenStatem.start("bad_enter", name: "bad", from: p).pid)
            let reason: Term = .tuple(.atom("bad_state_enter_action_from_state_function"), .atom("postpone"))
            #expect(try await next(p) == .tuple(.atom("EXIT"), .pid(pid), reason))
        }
        let report = try #require(capture.all.first { $0.message == "gen_statem terminating" })
        #expect(report.metadata["reason"] == "\(Term.tuple(.atom("bad_state_enter_action_from_state_function"), .atom("postpone")))")
        #expect(report.metadata["registered_name"] == "bad")
        #expect(report.metadata["module"] == "bad_enter-1")
        #expect(report.metadata["last_event"] == "\(Term.tuple(.atom("enter"), .atom("start")))")
        #expect(report.metadata["state"] == "\(Term.tuple(.atom("start"), .list([])))")
    }
}
