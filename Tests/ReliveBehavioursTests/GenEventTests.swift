import Logging
import ReliveKit
import ReliveRuntime
import Testing

@Suite struct GenEventTests {
    func node(logger: Logger = Logger(label: "relive")) throws -> Node {
        let node = Node(name: "event@test", logger: logger)
        try node.modules.load(LoadedModule(name: "recorder", version: "1", code: .eventHandler(Recorder(version: 1))))
        try node.modules.load(LoadedModule(name: "plain", version: "1", code: .eventHandler(Recorder(version: 1))))
        return node
    }

    func next(_ p: LocalProcess) async throws -> Term {
        try #require(try await p.receive(timeout: .seconds(10)))
    }

    static func args(_ p: LocalProcess, _ tag: String) -> Term { .tuple(.pid(p.pid), .atom(tag)) }
    static func handler(_ tag: String) -> GenEventHandlerID { GenEventHandlerID("recorder", id: .atom(tag)) }

    @Test func handlersAreAddedAndDeletedAndEveryOneSeesEachEvent() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let manager = try #require(try await GenEvent.start(name: "events", from: p).pid)
            #expect(try await GenEvent.addHandler(manager, "recorder", args: Self.args(p, "a"), process: p) == .ok)
            #expect(try await GenEvent.addHandler(manager, Self.handler("b"), args: Self.args(p, "b"), process: p) == .ok)
            // Newest first, as in OTP.
            #expect(try await GenEvent.whichHandlers(manager, process: p) == [Self.handler("b"), "recorder"])
            #expect(node.modules.users(of: Atom("recorder")).map(\.pid) == [manager])

            GenEvent.notify(Atom("events"), .atom("hello"), process: p)
            #expect(try await next(p) == .tuple(.atom("b"), .atom("hello")))
            #expect(try await next(p) == .tuple(.atom("a"), .atom("hello")))

            #expect(try await GenEvent.deleteHandler(manager, "recorder", args: .atom("bye"), process: p)
                    == .tuple(.atom("a"), .atom("final"), 1))
            #expect(try await next(p) == .tuple(.atom("a"), .atom("terminated"), .atom("bye")))
            #expect(try await GenEvent.deleteHandler(manager, "recorder", process: p)
                    == .tuple(.atom("error"), .atom("module_not_found")))
            #expect(try await GenEvent.whichHandlers(manager, process: p) == [Self.handler("b")])

            // Refusals are init's own answers.
            #expect(try await GenEvent.addHandler(manager, "recorder", args: .atom("refuse"), process: p)
                    == .tuple(.atom("error"), .atom("refused")))
            #expect(try await GenEvent.addHandler(manager, "recorder", args: .atom("crash"), process: p)
                    .tupleElements?.first == .atom("EXIT"))
            #expect(try await GenEvent.addHandler(manager, "nope", process: p)
                    == .tuple(.atom("EXIT"), .tuple(.atom("undef"), .atom("nope"))))

            _ = try await GenEvent.deleteHandler(manager, Self.handler("b"), process: p)
            #expect(try await next(p) == .tuple(.atom("b"), .atom("terminated"), []))
            #expect(node.modules.users(of: Atom("recorder")).isEmpty)
            try await GenEvent.stop(manager, process: p)
            #expect(node.whereis("events") == nil)
        }
    }

    @Test func notifyReturnsAtOnceAndSyncNotifyOnceHandled() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let manager = try #require(try await GenEvent.start(from: p).pid)
            try await GenEvent.addHandler(manager, "recorder", args: Self.args(p, "a"), process: p)
            // A suspended manager handles nothing, yet notify returns: it is asynchronous.
            try await Sys.suspend(manager, process: p)
            for i in 0..<20 { GenEvent.notify(manager, .int(i)) }
            #expect(try await p.receive(timeout: .zero) == nil)
            try await Sys.resume(manager, process: p)
            for i in 0..<20 { #expect(try await next(p) == .tuple(.atom("a"), .int(i))) }
            // sync_notify returns only after the handlers ran: the report is already here.
            #expect(try await GenEvent.syncNotify(manager, .atom("sync"), process: p) == .ok)
            #expect(try await p.receive(timeout: .zero) == .tuple(.atom("a"), .atom("sync")))
        }
    }

    @Test func callsReachOneHandler() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let manager = try #require(try await GenEvent.start(from: p).pid)
            try await GenEvent.addHandler(manager, Self.handler("a"), args: Self.args(p, "a"), process: p)
            try await GenEvent.addHandler(manager, Self.handler("b"), args: Self.args(p, "b"), process: p)
            GenEvent.notify(manager, .atom("x"))
            #expect(try await GenEvent.call(manager, Self.handler("a"), .atom("count"), process: p) == 1)
            #expect(try await GenEvent.call(manager, "recorder", .atom("count"), process: p)
                    == .tuple(.atom("error"), .atom("bad_module")))
            await #expect(throws: CallError.timeout) {
                try await GenEvent.call(manager, Self.handler("a"), .tuple(.atom("sleep"), 100),
                                        timeout: .milliseconds(10), process: p)
            }
            #expect(try await GenEvent.call(manager, Self.handler("b"), .atom("remove"), process: p) == .atom("removed"))
            #expect(try await GenEvent.whichHandlers(manager, process: p) == [Self.handler("a")])
        }
    }

    @Test func aCrashingHandlerIsRemovedReportedAndTheOthersGoOn() async throws {
        let capture = LogCapture()
        let node = try node(logger: capture.logger)
        defer { node.shutdown() }
        try await node.run { p in
            let manager = try #require(try await GenEvent.start(name: "alarms", from: p).pid)
            try await GenEvent.addHandler(manager, Self.handler("a"), args: Self.args(p, "a"), process: p)
            try await GenEvent.addHandler(manager, Self.handler("b"), args: Self.args(p, "b"), process: p)
            let crash: Term = .tuple(.atom("crash"), .atom("a"))
            GenEvent.notify(manager, crash)
            #expect(try await next(p) == .tuple(.atom("b"), crash))
            let terminated = try await next(p)
            #expect(terminated[element: 0] == .atom("a"))
            #expect(terminated[element: 1] == .atom("terminated"))
            #expect(terminated[element: 2]?[element: 0] == .atom("error"))
            #expect(terminated[element: 2]?[element: 1]?[element: 0] == .atom("EXIT"))
            GenEvent.notify(manager, .atom("after"))
            #expect(try await next(p) == .tuple(.atom("b"), .atom("after")))
            #expect(try await GenEvent.whichHandlers(manager, process: p) == [Self.handler("b")])
            // A call that throws removes the handler too, and says why.
            let reply = try await GenEvent.call(manager, Self.handler("b"), .atom("crash"), process: p)
            #expect(reply[element: 0] == .atom("error") && reply[element: 1]?[element: 0] == .atom("EXIT"))
            #expect(try await GenEvent.whichHandlers(manager, process: p) == [])
            #expect(node.isAlive(manager))
        }
        let reports = capture.all.filter { $0.message == "gen_event handler crashed" }
        #expect(reports.count == 2)
        #expect(reports.first?.metadata["handler"] == "{recorder,a}")
        #expect(reports.first?.metadata["registered_name"] == "alarms")
        #expect(reports.first?.metadata["last_message"] == "{crash,a}")
        #expect(reports.first?.metadata["reason"]?.contains("boom") == true)
    }

    @Test func theOwnerOfASupervisedHandlerIsToldWhenItGoesAndItGoesWithTheOwner() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let manager = try #require(try await GenEvent.start(from: p).pid)
            try await GenEvent.addSupHandler(manager, Self.handler("a"), args: Self.args(p, "a"), process: p)
            try await GenEvent.addSupHandler(manager, Self.handler("b"), args: Self.args(p, "b"), process: p)
            try await GenEvent.addSupHandler(manager, Self.handler("c"), args: Self.args(p, "c"), process: p)
            GenEvent.notify(manager, .tuple(.atom("remove"), .atom("a")))
            // c and b see the event (newest first), then a is removed.
            #expect(try await next(p) == .tuple(.atom("c"), .tuple(.atom("remove"), .atom("a"))))
            #expect(try await next(p) == .tuple(.atom("b"), .tuple(.atom("remove"), .atom("a"))))
            #expect(try await next(p) == .tuple(.atom("a"), .atom("terminated"), .atom("remove_handler")))
            #expect(try await next(p) == .tuple(.atom("gen_event_EXIT"), Self.handler("a").term, .normal))

            GenEvent.notify(manager, .tuple(.atom("crash"), .atom("b")))
            #expect(try await next(p) == .tuple(.atom("c"), .tuple(.atom("crash"), .atom("b"))))
            _ = try await next(p)   // b's terminate
            let exit = try await next(p)
            #expect(exit[element: 0] == .atom("gen_event_EXIT") && exit[element: 1] == Self.handler("b").term)
            #expect(exit[element: 2]?[element: 0] == .atom("EXIT"))

            _ = try await GenEvent.deleteHandler(manager, Self.handler("c"), process: p)
            #expect(try await next(p) == .tuple(.atom("c"), .atom("terminated"), []))
            #expect(try await next(p) == .tuple(.atom("gen_event_EXIT"), Self.handler("c").term, .normal))

            // An owner that ends takes its handler with it: terminate {stop, Reason}.
            let args = Self.args(p, "d")
            p.spawn { owner in
                try await GenEvent.addSupHandler(manager, Self.handler("d"), args: args, process: owner)
                throw ProcessExit(.atom("bye"))
            }
            #expect(try await next(p) == .tuple(.atom("d"), .atom("terminated"), .tuple(.atom("stop"), .atom("bye"))))
            #expect(try await GenEvent.whichHandlers(manager, process: p) == [])

            // The manager stopping: terminate(stop), the owner told shutdown.
            try await GenEvent.addSupHandler(manager, Self.handler("e"), args: Self.args(p, "e"), process: p)
            try await GenEvent.stop(manager, process: p)
            #expect(try await next(p) == .tuple(.atom("e"), .atom("terminated"), .atom("stop")))
            #expect(try await next(p) == .tuple(.atom("gen_event_EXIT"), Self.handler("e").term, .atom("shutdown")))
        }
    }

    @Test func swapHandlerPassesTheOldResultToTheNewHandler() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let manager = try #require(try await GenEvent.start(from: p).pid)
            try await GenEvent.addSupHandler(manager, Self.handler("a"), args: Self.args(p, "a"), process: p)
            GenEvent.notify(manager, .atom("one"))
            _ = try await next(p)
            #expect(try await GenEvent.swapHandler(manager, Self.handler("a"), args1: .atom("out"),
                                                   Self.handler("z"), args2: Self.args(p, "z"), process: p) == .ok)
            #expect(try await next(p) == .tuple(.atom("a"), .atom("terminated"), .atom("out")))
            // swap_handler: z inherits a's owner, named in the message.
            #expect(try await next(p) == .tuple(.atom("gen_event_EXIT"), Self.handler("a").term,
                                                .tuple(.atom("swapped"), Self.handler("z").term, .pid(p.pid))))
            #expect(try await next(p) == .tuple(.atom("z"), .atom("init_from_swap"), .tuple(.atom("a"), .atom("final"), 1)))
            #expect(try await GenEvent.call(manager, Self.handler("z"), .atom("count"), process: p) == 1)
            #expect(try await GenEvent.whichHandlers(manager, process: p) == [Self.handler("z")])

            // A handler asks for the swap itself; the new one keeps its place and owner.
            GenEvent.notify(manager, .tuple(.atom("swap"), .atom("z"), Self.handler("y").term, Self.args(p, "y")))
            #expect(try await next(p) == .tuple(.atom("z"), .atom("terminated"), .atom("swapped_out")))
            #expect(try await next(p) == .tuple(.atom("gen_event_EXIT"), Self.handler("z").term,
                                                .tuple(.atom("swapped"), Self.handler("y").term, .pid(p.pid))))
            #expect(try await next(p) == .tuple(.atom("y"), .atom("init_from_swap"), .tuple(.atom("z"), .atom("final"), 1)))
            _ = try await GenEvent.deleteHandler(manager, Self.handler("y"), process: p)
            #expect(try await next(p) == .tuple(.atom("y"), .atom("terminated"), []))
            #expect(try await next(p) == .tuple(.atom("gen_event_EXIT"), Self.handler("y").term, .normal))

            // swap_sup_handler: the caller owns the new handler; a missing old one gives `error`.
            #expect(try await GenEvent.swapSupHandler(manager, Self.handler("none"), args1: [],
                                                      Self.handler("x"), args2: Self.args(p, "x"), process: p) == .ok)
            #expect(try await next(p) == .tuple(.atom("x"), .atom("init_from_swap"), .atom("error")))
            GenEvent.notify(manager, .tuple(.atom("remove"), .atom("x")))
            _ = try await next(p)
            #expect(try await next(p) == .tuple(.atom("gen_event_EXIT"), Self.handler("x").term, .normal))
        }
    }

    @Test func changeCodeAppliesToTheHandlersOfOneModuleAndRevertRestoresThem() async throws {
        let node = try node()
        defer { node.shutdown() }
        try await node.run { p in
            let m1 = try #require(try await GenEvent.start(from: p).pid)
            let m2 = try #require(try await GenEvent.start(from: p).pid)
            for m in [m1, m2] {
                try await GenEvent.addHandler(m, Self.handler("a"), args: Self.args(p, "a"), process: p)
                try await GenEvent.addHandler(m, "recorder", args: Self.args(p, "r"), process: p)
                try await GenEvent.addHandler(m, "plain", args: Self.args(p, "p"), process: p)
            }
            try node.modules.load(LoadedModule(name: "recorder", version: "2", code: .eventHandler(Recorder(version: 2))))

            try await Sys.suspend(m1, process: p)
            await #expect(throws: SysError.self) {
                try await Sys.changeCode(m1, module: "recorder", oldVersion: "1", extra: .atom("refuse"), process: p)
            }
            try await Sys.changeCode(m1, module: "recorder", oldVersion: "1", extra: [], process: p)
            try await Sys.resume(m1, process: p)
            #expect(try await GenEvent.call(m1, Self.handler("a"), .atom("version"), process: p) == 2)
            #expect(try await GenEvent.call(m1, "recorder", .atom("version"), process: p) == 2)
            #expect(try await GenEvent.call(m1, "plain", .atom("version"), process: p) == 1)
            let state = try await Sys.getState(m1, process: p)
            let triples = try #require(state.listElements)
            #expect(triples.map { $0[element: 0] } == [.atom("plain"), .atom("recorder"), .atom("recorder")])
            #expect(triples.map { $0[element: 1] } == [.atom("false"), .atom("false"), .atom("a")])
            let notes = triples.map { (($0[element: 2]).flatMap { if case .map(let m) = $0 { m[.atom("note")] } else { nil } }) }
            #expect(notes == [.undefined, .tuple(.atom("upgraded_from"), "1"), .tuple(.atom("upgraded_from"), "1")])

            // m2: changed, then reverted: old code and state.
            let before = try await Sys.getState(m2, process: p)
            try await Sys.suspend(m2, process: p)
            try await Sys.changeCode(m2, module: "recorder", oldVersion: "1", extra: [], process: p)
            try await Sys.revertCode(m2, process: p)
            try await Sys.resume(m2, process: p)
            #expect(try await GenEvent.call(m2, Self.handler("a"), .atom("version"), process: p) == 1)
            #expect(try await Sys.getState(m2, process: p) == before)

            let users = Dictionary(uniqueKeysWithValues: node.modules.users(of: Atom("recorder")).map { ($0.pid, $0.version) })
            #expect(users == [m1: "2", m2: "1"])
            #expect(Set(node.modules.users(of: Atom("plain")).map(\.version)) == ["1"])
            #expect(try await Sys.getStatus(m1, process: p)[element: 2] == .tuple(.atom("module"), .atom("gen_event")))
        }
    }
}
