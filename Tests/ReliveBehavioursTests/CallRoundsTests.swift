import ReliveKit
import ReliveRuntime
import Testing

/// `CallRounds`: the pipelined rounds an upgrade transaction is made of,
/// against real gen_servers.
@Suite struct CallRoundsTests {
    static let call: Atom = "$gen_call"

    func servers(_ n: Int, on node: Node, _ p: LocalProcess) async throws -> [Pid] {
        try node.modules.load(LoadedModule(name: "counter", version: "1", code: .genServer(CounterV1())))
        var pids: [Pid] = []
        for i in 0..<n { pids.append(try #require(try await GenServer.start("counter", args: .int(i), link: false, from: p).pid)) }
        return pids
    }

    static func sleep(_ ms: Int) -> Term { .tuple([.atom("sleep"), .int(ms)]) }

    @Test func everyRoundAnswersEachTargetAndATargetGoneIsNotAskedAgain() async throws {
        let node = Node(name: "rounds0@test")
        defer { node.shutdown() }
        try await node.run { p in
            let pids = try await servers(50, on: node, p)
            let rounds = CallRounds(process: p)
            let members = rounds.add(pids).map { (target: $0, timeout: Optional(Duration.seconds(5))) }
            let first = try await rounds.call(members, label: Self.call, request: .atom("inc"))
            #expect(first.enumerated().allSatisfy { (try? $1.get()) == .int($0 + 1) })
            // Killed between rounds: the next round finds it dead and sends it nothing.
            let victim = pids[7]
            let watch = p.monitor(victim)
            p.exit(victim, reason: .atom("kill"))
            _ = try await p.receive(matching: { $0[element: 1] == .ref(watch) ? true : nil })
            let second = try await rounds.call(members, label: Self.call, request: .atom("get"))
            #expect(second[7] == .failure(.noproc))
            #expect(rounds.hasEnded(7))
            // Ending during a round: its 'DOWN' answers, with its reason.
            let third = try await rounds.call(members, label: Self.call, request: .atom("get"))
            #expect(third.enumerated().allSatisfy { $0 == 7 ? $1 == .failure(.noproc) : (try? $1.get()) == .int($0 + 1) })
            let crashed = try await rounds.call([(target: 3, request: .atom("crash"), timeout: .seconds(5)),
                                                 (target: 4, request: .atom("get"), timeout: .seconds(5))], label: Self.call)
            guard case .failure(.exited) = crashed[0] else { Issue.record("\(crashed[0])"); return }
            #expect(crashed[1] == .success(.int(5)))
            #expect(rounds.hasEnded(3))
            rounds.close()
            // No 'DOWN' and no reply left behind.
            #expect(p.takeMessages(where: { _ in true }).isEmpty)
        }
    }

    @Test func aLateAnswerToOneRoundIsNotTakenForTheNext() async throws {
        let node = Node(name: "rounds1@test")
        defer { node.shutdown() }
        try await node.run { p in
            let pids = try await servers(1, on: node, p)
            let rounds = CallRounds(process: p)
            defer { rounds.close() }
            let i = rounds.add(pids)[0]
            let late = try await rounds.call([(i, .milliseconds(50))], label: Self.call, request: Self.sleep(300))
            #expect(late == [.failure(.timeout)])
            // The server answers `ok` to the first round meanwhile; this round must take its own answer.
            let next = try await rounds.call([(i, .seconds(5))], label: Self.call, request: .atom("get"))
            #expect(next == [.success(.int(0))])
        }
    }

    @Test func aLaterRequestsTimeoutCountsFromTheAnswerBeforeIt() async throws {
        let node = Node(name: "rounds2@test")
        defer { node.shutdown() }
        try await node.run { p in
            let pids = try await servers(1, on: node, p)
            let rounds = CallRounds(process: p)
            defer { rounds.close() }
            let i = rounds.add(pids)[0]
            // 600 ms each: the second is answered 1200 ms after the send, past
            // its 900 ms counted from the send but within them from the first answer.
            let results = try await rounds.call([
                (target: i, request: Self.sleep(600), timeout: .seconds(5)),
                (target: i, request: Self.sleep(600), timeout: .milliseconds(900)),
            ], label: Self.call)
            #expect(results == [.success(.ok), .success(.ok)])
        }
    }

    @Test func aRequestThatFailsFailsTheOnesAfterItToTheSameTarget() async throws {
        let node = Node(name: "rounds3@test")
        defer { node.shutdown() }
        try await node.run { p in
            let pids = try await servers(2, on: node, p)
            let rounds = CallRounds(process: p)
            defer { rounds.close() }
            let slow = rounds.add(pids)
            let results = try await rounds.call([
                (target: slow[0], request: Self.sleep(500), timeout: .milliseconds(50)),
                (target: slow[0], request: .atom("get"), timeout: .seconds(5)),
                (target: slow[1], request: .atom("get"), timeout: .seconds(5)),
            ], label: Self.call)
            #expect(results == [.failure(.timeout), .failure(.timeout), .success(.int(1))])
        }
    }
}
