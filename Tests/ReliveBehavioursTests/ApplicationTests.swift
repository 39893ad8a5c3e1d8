import ReliveKit
import ReliveRuntime
import Testing

/// An application callback module that starts `sup` as its top supervisor and
/// tells `observer` about its prep_stop and stop.
struct ObservedApp: ApplicationBehaviour {
    func start(type: Term, args: Term, process: any ProcessContext) async throws -> ApplicationStarted {
        let sup = try #require(try await process.startLink("sup", args: args).pid)
        return ApplicationStarted(supervisor: sup, state: .atom("app_state"))
    }

    func prepareStop(state: Term, process: any ProcessContext) async -> Term {
        try? process.send(.tuple(.atom("prep_stop"), state), to: Atom("observer"))
        return .atom("prepared")
    }

    func stop(state: Term, process: any ProcessContext) async {
        try? process.send(.tuple(.atom("stop"), state), to: Atom("observer"))
    }
}

/// An application whose "tree" is one plain linked process that ends
/// normally when it receives `finish`.
struct FinishingApp: ApplicationBehaviour {
    func start(type: Term, args: Term, process: any ProcessContext) async throws -> ApplicationStarted {
        let top = process.spawn(.link) { me in
            try? me.register("finisher")
            _ = try await me.receive(matching: { $0 == .atom("finish") ? true : nil })
        }
        return ApplicationStarted(supervisor: top.pid)
    }
}

@Suite struct ApplicationTests {
    func makeNode() throws -> Node {
        let node = Node(name: "app@test")
        try node.modules.load(LoadedModule(name: "worker", version: "1", code: .genServer(ObservedWorker())))
        try node.modules.load(LoadedModule(name: "sup", version: "1", code: .supervisor(TestSupervisor())))
        try node.modules.load(LoadedModule(name: "app_mod", version: "1", code: .application(ObservedApp())))
        return node
    }

    func app(_ name: String, deps: [String] = [], workers: [String], callbackModule: Bool = false) -> ApplicationSpec {
        let args: Term = .tuple(.atom("one_for_one"), 3, .list(workers.map { .atom($0) }))
        return ApplicationSpec(name: Atom(name), version: "1.0.0", applications: deps.map { Atom($0) },
                               start: (callbackModule ? "app_mod" : "sup", args),
                               environment: ["port": 8080])
    }

    func started(_ p: LocalProcess, _ n: Int) async throws -> [Term] {
        var ids: [Term] = []
        for _ in 0..<n {
            guard let id = try await p.receive(timeout: .seconds(5), matching: { m -> Term? in
                m[element: 0] == .atom("started") ? m[element: 1] : nil
            }) else { break }
            ids.append(id)
        }
        return ids
    }

    @Test func applicationsStartInDependencyOrderAndStopInReverse() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try await node.run { p in
            try p.register("observer")
            try node.applications.load(app("web", deps: ["db"], workers: ["web_worker"]))
            try node.applications.load(app("db", deps: ["log"], workers: ["db_worker"]))
            try node.applications.load(app("log", workers: ["log_worker"]))
            await #expect(throws: ApplicationError(.tuple(.atom("not_started"), .atom("db")))) {
                try await node.applications.start("web", from: p)
            }
            let order = try await node.applications.ensureAllStarted("web", from: p)
            #expect(order == ["log", "db", "web"])
            #expect(try await started(p, 3) == [.atom("log_worker"), .atom("db_worker"), .atom("web_worker")])
            #expect(node.applications.running.map(\.name) == ["log", "db", "web"])

            await node.applications.stopAll(from: p)
            var stopped: [Term] = []
            for _ in 0..<3 {
                if let id = try await p.receive(timeout: .seconds(5), matching: { m -> Term? in
                    m[element: 0] == .atom("stopped") ? m[element: 1] : nil
                }) { stopped.append(id) }
            }
            #expect(stopped == [.atom("web_worker"), .atom("db_worker"), .atom("log_worker")])
            #expect(node.applications.running.isEmpty)
        }
    }

    @Test func circularDependenciesAndUnknownApplicationsAreRefused() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try await node.run { p in
            try node.applications.load(app("a", deps: ["b"], workers: []))
            try node.applications.load(app("b", deps: ["a"], workers: []))
            try node.applications.load(app("c", deps: ["missing"], workers: []))
            await #expect(throws: ApplicationError.self) { try await node.applications.ensureAllStarted("a", from: p) }
            await #expect(throws: ApplicationError(.tuple(.atom("not_loaded"), .atom("missing")))) {
                try await node.applications.ensureAllStarted("c", from: p)
            }
            #expect(throws: ApplicationError(.tuple(.atom("already_loaded"), .atom("a")))) {
                try node.applications.load(app("a", workers: []))
            }
            #expect(node.applications.running.isEmpty)
        }
    }

    @Test func environmentIsReadableFromProcessesAndSettable() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try node.applications.load(app("web", workers: []))
        try await node.run { p in
            #expect(p.environment("web", "port") == 8080)
            node.applications.setEnvironment("web", "port", 9090)
            #expect(p.environment("web", "port") == 9090)
            node.applications.unsetEnvironment("web", "port")
            #expect(p.environment("web", "port") == nil)
        }
    }

    @Test func applicationCallbacksRunAroundTheTree() async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try await node.run { p in
            try p.register("observer")
            try node.applications.load(app("web", workers: ["w"], callbackModule: true))
            try await node.applications.start("web", from: p)
            #expect(try await started(p, 1) == [.atom("w")])
            try await node.applications.stop("web", from: p)
            let events = try await [p.receive(timeout: .seconds(5)), p.receive(timeout: .seconds(5)), p.receive(timeout: .seconds(5))]
            #expect(events == [.tuple(.atom("prep_stop"), .atom("app_state")),
                               .tuple(.atom("stopped"), .atom("w"), .atom("shutdown")),
                               .tuple(.atom("stop"), .atom("prepared"))])
        }
    }

    @Test(arguments: [
        (ApplicationType.permanent, "kill", true),
        (ApplicationType.permanent, "normal", true),
        (ApplicationType.transient, "kill", true),
        (ApplicationType.transient, "normal", false),
        (ApplicationType.temporary, "kill", false),
    ])
    func anApplicationsEndHasItsTypesConsequence(type: ApplicationType, how: String, haltsNode: Bool) async throws {
        let node = try makeNode()
        defer { node.shutdown() }
        try node.modules.load(LoadedModule(name: "finishing_app", version: "1", code: .application(FinishingApp())))
        try node.applications.load(ApplicationSpec(name: "web", version: "1", start: ("finishing_app", [])))
        try node.applications.load(app("other", workers: ["o"]))
        try await node.run { p in
            try await node.applications.start("other", type: .permanent, from: p)
            try await node.applications.start("web", type: type, from: p)
            // The top process registers itself once it runs.
            var registered = p.whereis("finisher")
            for _ in 0..<1000 where registered == nil {
                try await Task.sleep(for: .milliseconds(5))
                registered = p.whereis("finisher")
            }
            let top = try #require(registered)
            if how == "kill" { p.exit(top, reason: .atom(Atom.kill)) } else { p.send(.atom("finish"), to: top) }
        }
        if haltsNode {
            let reason = await node.waitForHalt()
            #expect(reason[element: 0] == .atom("application_terminated"))
            #expect(reason[element: 1] == .atom("web"))
            #expect(reason[element: 2] == (how == "kill" ? .atom("killed") : .normal))
        } else {
            // Once every process is blocked, the controller has done all it will.
            #expect(await node.waitUntilIdle())
            #expect(node.applications.running.map(\.name) == ["other"])
            #expect(node.haltReason == nil)
        }
    }
}

