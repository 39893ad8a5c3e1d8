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

    /// A server busy with each `hold` call until it is sent `release`.
    func holder(on node: Node, _ p: LocalProcess) async throws -> Pid {
        try node.modules.load(LoadedModule(name: "holder", version: "1", code: .genServer(Holder())))
        return try #require(try await GenServer.start("holder", link: false, from: p).pid)
    }

    /// Runs `body` in a process of a fresh node, with a ``Holder`` server
    /// added to a `CallRounds` as target `index`; the rounds are closed after.
    func withHolder(_ nodeName: String,
                    _ body: @escaping @Sendable (_ p: LocalProcess, _ server: Pid, _ rounds: CallRounds, _ index: Int) async throws -> Void) async throws {
        let node = Node(name: nodeName)
        defer { node.shutdown() }
        try await node.run { p in
            let server = try await holder(on: node, p)
            let rounds = CallRounds(process: p)
            defer { rounds.close() }
            try await body(p, server, rounds, rounds.add([server])[0])
        }
    }

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
        try await withHolder("rounds1@test") { _, server, rounds, i in
            let late = try await rounds.call([(i, .milliseconds(50))], label: Self.call, request: .atom("hold"))
            #expect(late == [.failure(.timeout)])
            // Released, the server answers the first round (`ok`) before it takes
            // the next round's request: that round must take its own answer.
            server.send(.atom("release"))
            let next = try await rounds.call([(i, .seconds(5))], label: Self.call, request: .atom("count"))
            #expect(next == [.success(.int(1))])
        }
    }

    @Test func aLaterRequestsTimeoutCountsFromTheAnswerBeforeIt() async throws {
        try await withHolder("rounds2@test") { p, server, rounds, i in
            // The hold ends at the release, 400 ms after the send: past the
            // second request's 200 ms counted from the send, but the server
            // answers the second at once after the first, well within them from there.
            _ = p.sendAfter(.milliseconds(400), .atom("release"), to: server)
            let results = try await rounds.call([
                (target: i, request: .atom("hold"), timeout: .seconds(30)),
                (target: i, request: .atom("count"), timeout: .milliseconds(200)),
            ], label: Self.call)
            #expect(results == [.success(.ok), .success(.int(1))])
        }
    }

    @Test func anExtendedDeadlineIsAskedAgainEachTimeItPassesAndALateAnswerWithinItCounts() async throws {
        try await withHolder("rounds4@test") { p, server, rounds, i in
            // Released 300 ms after the send: past the request's own 50 ms and
            // its first extension to 100 ms, within the second (30 s).
            _ = p.sendAfter(.milliseconds(300), .atom("release"), to: server)
            final class Asked { var count = 0 }
            let asked = Asked()
            let results = try await rounds.call([(target: i, request: .atom("hold"), timeout: .milliseconds(50))],
                                                label: Self.call) { k, sent in
                #expect(k == 0)
                asked.count += 1
                return sent + (asked.count == 1 ? .milliseconds(100) : .seconds(30))
            }
            #expect(results == [.success(.ok)])
            #expect(asked.count == 2)
        }
    }

    @Test func aDeadlineExtendedToAnInstantAlreadyPastTimesOut() async throws {
        try await withHolder("rounds5@test") { p, server, rounds, i in
            let results = try await rounds.call([(target: i, request: .atom("hold"), timeout: .milliseconds(50))],
                                                label: Self.call) { _, sent in sent }
            #expect(results == [.failure(.timeout)])
            server.send(.atom("release"))
        }
    }

    @Test func aRequestThatFailsFailsTheOnesAfterItToTheSameTarget() async throws {
        let node = Node(name: "rounds3@test")
        defer { node.shutdown() }
        try await node.run { p in
            let held = try await holder(on: node, p)
            let other = try await servers(1, on: node, p)[0]
            let rounds = CallRounds(process: p)
            defer { rounds.close() }
            let i = rounds.add([held, other])
            let results = try await rounds.call([
                (target: i[0], request: .atom("hold"), timeout: .milliseconds(50)),
                (target: i[0], request: .atom("count"), timeout: .seconds(30)),
                (target: i[1], request: .atom("get"), timeout: .seconds(30)),
            ], label: Self.call)
            #expect(results == [.failure(.timeout), .failure(.timeout), .success(.int(0))])
        }
    }
}

/// Answers `hold` only once it is sent `release`, busy until then (as a
/// process in a long callback), and `count` with the holds done.
struct Holder: GenServerBehaviour {
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Int> { .ok(0) }

    func handleCall(_ request: Term, from: CallFrom, state: inout Int, process: any ProcessContext) async throws -> GenServerCallResult {
        switch request {
        case .atom("hold"):
            _ = try await process.receive { $0 == .atom("release") ? true : nil }
            state += 1
            return .reply(.ok)
        case .atom("count"): return .reply(.int(state))
        default: return .reply(.tuple([.atom("error"), .atom("unknown")]))
        }
    }

    func handleCast(_ request: Term, state: inout Int, process: any ProcessContext) async throws -> GenServerResult { .noreply }

    func exportState(_ state: Int) -> Term { .int(state) }

    func importState(_ term: Term) throws -> Int {
        guard case .int(let n) = term else { throw BehaviourError.badState(term) }
        return n
    }
}
