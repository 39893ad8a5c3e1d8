import ReliveKit
import ReliveRuntime
import Testing

@Suite struct GenServerTests {
    func node(_ modules: [(String, String, ModuleCode)]) throws -> Node {
        let node = Node(name: "gs@test")
        for (name, vsn, code) in modules {
            try node.modules.load(LoadedModule(name: Atom(name), version: vsn, code: code))
        }
        return node
    }

    @Test func callsAndCastsReachTheServerInOrder() async throws {
        let node = try node([("counter", "1", .genServer(CounterV1()))])
        defer { node.shutdown() }
        try await node.run { p in
            let pid = try #require(try await GenServer.start("counter", args: 5, from: p).pid)
            #expect(try await GenServer.call(pid, .atom("inc"), process: p) == 6)
            GenServer.cast(pid, .atom("inc"))
            GenServer.cast(pid, .atom("inc"))
            #expect(try await GenServer.call(pid, .atom("get"), process: p) == 8)
        }
    }

    @Test func suspendedServerQueuesMessagesAndHandlesThemInOrderAfterResume() async throws {
        let node = try node([("counter", "1", .genServer(CounterV1()))])
        defer { node.shutdown() }
        try await node.run { p in
            let pid = try #require(try await GenServer.start("counter", args: 0, from: p).pid)
            try await Sys.suspend(pid, process: p)
            for _ in 0..<100 { GenServer.cast(pid, .atom("inc")) }
            // While suspended, only system messages are answered.
            await #expect(throws: CallError.timeout) {
                try await GenServer.call(pid, .atom("get"), timeout: .milliseconds(50), process: p)
            }
            #expect(try await Sys.getState(pid, process: p) == .tuple(.atom("state"), 0))
            try await Sys.resume(pid, process: p)
            #expect(try await GenServer.call(pid, .atom("get"), process: p) == 100)
        }
    }

    @Test func changeCodeCarriesStateToTheNewVersionAndRevertRestoresTheOld() async throws {
        let node = try node([("counter", "1", .genServer(CounterV1()))])
        defer { node.shutdown() }
        try await node.run { p in
            let a = try #require(try await GenServer.start("counter", args: 10, from: p).pid)
            let b = try #require(try await GenServer.start("counter", args: 20, from: p).pid)
            try node.modules.load(LoadedModule(name: "counter", version: "2", code: .genServer(CounterV2())))
            // Processes keep their version until told to change.
            #expect(try await GenServer.call(a, .atom("version"), process: p) == .atom("v1"))
            #expect(Set(node.modules.users(of: Atom("counter")).map(\.version)) == ["1"])

            try await Sys.suspend(a, process: p)
            try await Sys.changeCode(a, module: "counter", oldVersion: "1", extra: [], process: p)
            try await Sys.resume(a, process: p)
            #expect(try await GenServer.call(a, .atom("version"), process: p) == .atom("v2"))
            #expect(try await GenServer.call(a, .atom("inc"), process: p) == 11)
            #expect(try await Sys.getState(a, process: p) == [.atom("count"): 11, .atom("history"): [10]])

            // b: change, then revert: the exact old code and state come back.
            try await Sys.suspend(b, process: p)
            try await Sys.changeCode(b, module: "counter", oldVersion: "1", extra: [], process: p)
            try await Sys.revertCode(b, process: p)
            try await Sys.resume(b, process: p)
            #expect(try await GenServer.call(b, .atom("version"), process: p) == .atom("v1"))
            #expect(try await GenServer.call(b, .atom("get"), process: p) == 20)
            let users = Dictionary(uniqueKeysWithValues: node.modules.users(of: Atom("counter")).map { ($0.pid, $0.version) })
            #expect(users == [a: "2", b: "1"])
        }
    }

    @Test func aFailingCodeChangeLeavesTheProcessOnItsOldCodeAndState() async throws {
        let node = try node([("counter", "1", .genServer(CounterV1()))])
        defer { node.shutdown() }
        try await node.run { p in
            let pid = try #require(try await GenServer.start("counter", args: 3, from: p).pid)
            try node.modules.load(LoadedModule(name: "counter", version: "2", code: .genServer(CounterV2())))
            // Not suspended: refused.
            await #expect(throws: SysError.self) {
                try await Sys.changeCode(pid, module: "counter", oldVersion: "1", extra: [], process: p)
            }
            try await Sys.suspend(pid, process: p)
            await #expect(throws: SysError.self) {
                try await Sys.changeCode(pid, module: "counter", oldVersion: "1", extra: .atom("refuse"), process: p)
            }
            try await Sys.resume(pid, process: p)
            #expect(try await GenServer.call(pid, .atom("version"), process: p) == .atom("v1"))
            #expect(try await GenServer.call(pid, .atom("get"), process: p) == 3)
        }
    }

    @Test func callToAServerThatDiesMidCallGetsItsReason() async throws {
        let node = try node([("counter", "1", .genServer(CounterV1()))])
        defer { node.shutdown() }
        try await node.run { p in
            let pid = try #require(try await GenServer.start("counter", link: false, from: p).pid)
            do {
                _ = try await GenServer.call(pid, .atom("crash"), process: p)
                Issue.record("the call returned")
            } catch let error as CallError {
                guard case .exited(let reason) = error else { Issue.record("got \(error)"); return }
                #expect(reason[element: 0] == .atom("error"))
                #expect(reason[element: 2]?.stringValue?.contains("boom") == true)
            }
            await #expect(throws: CallError.noproc) { try await GenServer.call(pid, .atom("get"), process: p) }
        }
    }

    @Test func aLateReplyAfterATimeoutNeverReachesTheCaller() async throws {
        let node = try node([("counter", "1", .genServer(CounterV1()))])
        defer { node.shutdown() }
        try await node.run { p in
            let pid = try #require(try await GenServer.start("counter", from: p).pid)
            await #expect(throws: CallError.timeout) {
                try await GenServer.call(pid, .tuple(.atom("sleep"), 100), timeout: .milliseconds(10), process: p)
            }
            // Let the late reply be sent, then check the mailbox is empty.
            #expect(try await GenServer.call(pid, .atom("get"), process: p) == 0)
            #expect(try await p.receive(timeout: .milliseconds(50)) == nil)
        }
    }

    @Test func startWithATakenNameFailsWithAlreadyStarted() async throws {
        let node = try node([("counter", "1", .genServer(CounterV1()))])
        defer { node.shutdown() }
        try await node.run { p in
            let first = try #require(try await GenServer.start("counter", name: "ctr", from: p).pid)
            await #expect(throws: StartError.alreadyStarted(first)) {
                try await GenServer.start("counter", name: "ctr", from: p)
            }
            #expect(try await GenServer.call(Atom("ctr"), .atom("get"), process: p) == 0)
        }
    }

    @Test func manyProcessesAreSuspendedChangedAndResumedTogether() async throws {
        let node = try node([("counter", "1", .genServer(CounterV1()))])
        defer { node.shutdown() }
        try await node.run { p in
            var pids: [Pid] = []
            for i in 0..<500 { pids.append(try #require(try await GenServer.start("counter", args: .int(i), from: p).pid)) }
            let (dead, deadMonitor) = p.spawnMonitor { _ in }
            _ = try await p.receive(matching: { $0[element: 1] == .ref(deadMonitor) ? true : nil })
            try node.modules.load(LoadedModule(name: "counter", version: "2", code: .genServer(CounterV2())))
            let suspended = try await Sys.multiRequest(pids + [dead], .atom("suspend"), process: p)
            #expect(suspended.count == 501)
            #expect(pids.allSatisfy { (try? suspended[$0]?.get()) == .ok })
            guard case .failure(.noproc)? = suspended[dead] else { Issue.record("dead pid: \(String(describing: suspended[dead]))"); return }
            for pid in pids { GenServer.cast(pid, .atom("inc")) }    // queued while suspended
            let changed = try await Sys.multiRequest(pids, .tuple(.atom("change_code"), .atom("counter"), "1", []), process: p)
            #expect(changed.values.allSatisfy { (try? $0.get()) == .ok })
            _ = try await Sys.multiRequest(pids, .atom("resume"), process: p)
            for (i, pid) in pids.enumerated() where i % 50 == 0 {
                #expect(try await GenServer.call(pid, .atom("version"), process: p) == .atom("v2"))
                #expect(try await GenServer.call(pid, .atom("get"), process: p) == .int(i + 1))
            }
            #expect(node.modules.users(of: Atom("counter")).allSatisfy { $0.version == "2" })
        }
    }

    @Test func aReplyCanComeLaterFromAnotherProcess() async throws {
        let node = try node([("counter", "1", .genServer(CounterV1()))])
        defer { node.shutdown() }
        try await node.run { p in
            let pid = try #require(try await GenServer.start("counter", from: p).pid)
            #expect(try await GenServer.call(pid, .atom("later"), process: p) == .atom("from_elsewhere"))
        }
    }

    @Test func statusStatisticsAndTheEventLogDescribeTheServer() async throws {
        let node = try node([("counter", "1", .genServer(CounterV1()))])
        defer { node.shutdown() }
        try await node.run { p in
            let pid = try #require(try await GenServer.start("counter", args: 2, name: "ctr", from: p).pid)
            try await Sys.log(pid, limit: 2, process: p)
            _ = try await GenServer.call(pid, .atom("inc"), process: p)
            GenServer.cast(pid, .atom("inc"))
            _ = try await GenServer.call(pid, .atom("get"), process: p)
            let status = try await Sys.getStatus(pid, process: p)
            #expect(status[element: 0] == .atom("status"))
            #expect(status[element: 2] == .tuple(.atom("module"), .atom("gen_server")))
            let info = status[element: 3]?.listElements ?? []
            #expect(info.contains(.tuple(.atom("module"), .atom("counter"))))
            #expect(info.contains(.tuple(.atom("status"), .atom("running"))))
            #expect(info.contains(.tuple(.atom("registered_name"), .atom("ctr"))))
            #expect(info.contains(.tuple(.atom("state"), .tuple(.atom("state"), 4))))
            let stats = try await Sys.statistics(pid, process: p).listElements ?? []
            #expect(stats.contains(.tuple(.atom("messages_in"), 3)))
            // The log keeps the last 2 events: the `get` call and its reply.
            let log = try await Sys.logEvents(pid, process: p).listElements ?? []
            #expect(log.count == 2)
            #expect(log.first?[element: 0] == .atom("in"))
            #expect(log.last?[element: 0] == .atom("out"))
            #expect(log.last?[element: 1] == 4)
        }
    }
}
