import Foundation
import ReliveCodeServer
import ReliveKit
@_spi(Testing) import ReliveReleaseHandler
import ReliveRuntime
import ReliveTestSupport
import Testing

/// The upgrade transaction with real processes and real plugins: a fault in
/// one process of many, in each round, and the caller killed mid-way. Each
/// test ends by checking every live process: running (it answers a call),
/// on one version (per the module table and its own answer), with the state
/// it must have (sys get_state), and the table's current version agreeing.
@Suite(.serialized) struct UpgradeTransactionTests {
    static let count = 200
    static let victim = 7

    /// A node with `count` tx_server 1.0.0 processes (state n = 0..<count), then 2.0.0 loaded.
    struct World {
        let node: Node
        let code: CodeServer
        let pids: [Pid]
        let v2: LoadedPlugin
    }

    static func world(_ p: LocalProcess, _ node: Node) async throws -> World {
        let code = CodeServer(node: node)
        try code.load(pluginAt: try await PluginFixtures.shared.txServer("1.0.0"))
        var pids: [Pid] = []
        for n in 0..<count {
            pids.append(try #require(try await GenServer.start("tx_server", args: .int(n), link: false, from: p).pid))
        }
        let v2 = try code.load(pluginAt: try await PluginFixtures.shared.txServer("2.0.0"))
        return World(node: node, code: code, pids: pids, v2: v2)
    }

    /// Runs `body` in a process of a fresh node named `name`, with that
    /// node's ``world(_:_:)``; the node is shut down after.
    static func withWorld(_ name: String,
                          _ body: @escaping @Sendable (_ p: LocalProcess, _ node: Node, _ w: World) async throws -> Void) async throws {
        let node = Node(name: name)
        defer { node.shutdown() }
        try await node.run { p in try await body(p, node, try await world(p, node)) }
    }

    static func transaction(_ w: World, _ p: LocalProcess) -> UpgradeTransaction {
        UpgradeTransaction(node: w.node, caller: p) { w.code.rollBack(w.v2) }
    }

    static func targets(_ pids: [Pid]) -> [ChangeTarget] {
        pids.map { ChangeTarget(pid: $0, module: "tx_server", oldVersion: "1.0.0") }
    }

    /// Every pid of `w` but `dead` is alive, running `version` with its
    /// version's state, and the module table agrees.
    static func expectAll(_ w: World, on version: String, except dead: Set<Pid> = [], _ p: LocalProcess) async throws {
        #expect(w.node.modules.current("tx_server")?.version == version)
        let users = Dictionary(uniqueKeysWithValues: w.node.modules.users(of: Atom("tx_server")).map { ($0.pid, $0.version) })
        for (n, pid) in w.pids.enumerated() {
            if dead.contains(pid) {
                #expect(users[pid] == nil)
                continue
            }
            #expect(users[pid] == version, "process \(n)")
            // A call (not a system message) is answered only by a resumed process.
            #expect(try await GenServer.call(pid, .atom("version"), timeout: .seconds(30), process: p) == .string(version))
            let expected: Term = version == "1.0.0" ? .int(n) : .tuple([.atom("v2"), .int(n)])
            #expect(try await Sys.getState(pid, process: p) == expected, "process \(n)")
        }
    }

    /// A process that speaks just enough sys: it answers each request as
    /// `answers` says (default `ok`), or not at all for those in `silent`.
    static func fakeSysProcess(_ node: Node, answers: [String: Term] = [:], silent: Set<String> = []) -> Pid {
        node.spawn { q in
            while true {
                let message = try await q.receive()
                guard case .tuple(let e) = message, e.count == 3, e[0] == .atom("system"), let from = CallFrom(e[1]) else { continue }
                let key: String
                switch e[2] {
                case .atom(let a): key = "\(a)"
                case .tuple(let r) where !r.isEmpty: key = "\(r[0])"
                default: key = "\(e[2])"
                }
                if silent.contains(key) { continue }
                from.reply(answers[key] ?? .ok)
            }
        }
    }

    @Test func allProcessesMoveTogetherAndTheStateIsTransformed() async throws {
        try await Self.withWorld("tx0@test") { p, node, w in
            let report = try await UpgradeTransaction.upgrade(["tx_server"], rollingBack: [w.v2], in: w.code, node: node, from: p)
            #expect(report.resumeFailures.isEmpty)
            #expect(report.timings.pause > .zero)
            try await Self.expectAll(w, on: "2.0.0", p)
        }
    }

    @Test func aRefusedCodeChangeRollsEveryProcessAndTheTableBack() async throws {
        try await Self.withWorld("tx1@test") { p, node, w in
            let error = await #expect(throws: UpgradeFailure.self) {
                try await UpgradeTransaction.upgrade(["tx_server"], extra: [.tuple([.atom("throw"), .int(Self.victim)])],
                                                     rollingBack: [w.v2], in: w.code, node: node, from: p)
            }
            #expect(error?.failures.map(\.pid) == [w.pids[Self.victim]])
            #expect(error?.failures.first?.phase == .changeCode)
            #expect(error?.rollback.isClean == true)
            try await Self.expectAll(w, on: "1.0.0", p)
        }
    }

    @Test func aCodeChangePastItsTimeoutRollsBack() async throws {
        try await Self.withWorld("tx2@test") { p, node, w in
            let error = await #expect(throws: UpgradeFailure.self) {
                try await UpgradeTransaction.upgrade(["tx_server"], extra: [.tuple([.atom("hang"), .int(Self.victim), .int(400)])],
                                                     changeTimeout: .milliseconds(50),
                                                     rollingBack: [w.v2], in: w.code, node: node, from: p)
            }
            #expect(error?.failures == [ProcessFailure(pid: w.pids[Self.victim], phase: .changeCode, reason: .atom("timeout"))])
            // The late change is undone by the revert that waited behind it in its mailbox.
            try await Self.expectAll(w, on: "1.0.0", p)
        }
    }

    @Test func aProcessDyingWhileSuspendedRollsBack() async throws {
        try await Self.withWorld("tx3@test") { p, node, w in
            let victim = w.pids[Self.victim]
            let error = await #expect(throws: UpgradeFailure.self) {
                try await UpgradeTransaction.upgrade(["tx_server"], rollingBack: [w.v2], in: w.code, node: node, from: p) { tx in
                    tx.beforeRound = { phase in
                        if phase == .changeCode { await Self.kill(victim, p) }
                    }
                }
            }
            #expect(error?.failures.map(\.pid) == [victim])
            try await Self.expectAll(w, on: "1.0.0", except: [victim], p)
        }
    }

    @Test func aSuspendPastItsTimeoutRollsBack() async throws {
        try await Self.withWorld("tx4@test") { p, node, w in
            let victim = w.pids[Self.victim]
            GenServer.cast(victim, .tuple([.atom("block"), .int(400)]))
            let error = await #expect(throws: UpgradeFailure.self) {
                try await UpgradeTransaction.upgrade(["tx_server"], suspendTimeout: .milliseconds(50),
                                                     rollingBack: [w.v2], in: w.code, node: node, from: p)
            }
            #expect(error?.failures == [ProcessFailure(pid: victim, phase: .suspend, reason: .atom("timeout"))])
            try await Self.expectAll(w, on: "1.0.0", p)
        }
    }

    @Test func aRefusedSuspendRollsBack() async throws {
        try await Self.withWorld("tx5@test") { p, node, w in
            let refuser = Self.fakeSysProcess(node, answers: ["suspend": .tuple([.atom("error"), .atom("refused")])])
            let tx = Self.transaction(w, p)
            let error = await #expect(throws: UpgradeFailure.self) {
                try await tx.suspend(w.pids + [refuser], timeout: .seconds(5))
            }
            #expect(error?.failures == [ProcessFailure(pid: refuser, phase: .suspend, reason: .tuple([.atom("error"), .atom("refused")]))])
            try await Self.expectAll(w, on: "1.0.0", p)
        }
    }

    @Test func aProcessGoneBeforeSuspendIsLeftOutAndTheRestCommit() async throws {
        try await Self.withWorld("tx6@test") { p, node, w in
            let victim = w.pids[Self.victim]
            let report = try await UpgradeTransaction.upgrade(["tx_server"], rollingBack: [w.v2], in: w.code, node: node, from: p) { tx in
                tx.beforeRound = { phase in if phase == .suspend { await Self.kill(victim, p) } }
            }
            #expect(report.resumeFailures.isEmpty)
            try await Self.expectAll(w, on: "2.0.0", except: [victim], p)
        }
    }

    @Test func aDeathAfterTheChangeIsReportedNotRolledBack() async throws {
        try await Self.withWorld("tx7@test") { p, node, w in
            let victim = w.pids[Self.victim]
            let report = try await UpgradeTransaction.upgrade(["tx_server"], rollingBack: [w.v2], in: w.code, node: node, from: p) { tx in
                tx.beforeRound = { phase in if phase == .resume { await Self.kill(victim, p) } }
            }
            #expect(report.resumeFailures == [ProcessFailure(pid: victim, phase: .resume, reason: .atom("noproc"))])
            try await Self.expectAll(w, on: "2.0.0", except: [victim], p)
        }
    }

    @Test func aRefusedOrSilentResumeIsReportedNotRolledBack() async throws {
        try await Self.withWorld("tx8@test") { p, node, w in
            let refuser = Self.fakeSysProcess(node, answers: ["resume": .tuple([.atom("error"), .atom("no")])])
            let silent = Self.fakeSysProcess(node, silent: ["resume"])
            let tx = Self.transaction(w, p)
            try await tx.suspend(w.pids + [refuser, silent], timeout: .seconds(5))
            try await tx.changeCode(Self.targets(w.pids + [refuser, silent]), extra: [], timeout: .seconds(5))
            let report = await tx.commit(timeout: .milliseconds(100))
            #expect(Set(report.resumeFailures.map(\.pid)) == [refuser, silent])
            #expect(report.resumeFailures.first { $0.pid == silent }?.reason == .atom("timeout"))
            try await Self.expectAll(w, on: "2.0.0", p)
        }
    }

    @Test(arguments: [UpgradePhase.suspend, .changeCode])
    func theCallerKilledBeforeCommitLeavesEveryProcessResumedOnItsOldCode(_ phase: UpgradePhase) async throws {
        try await Self.withWorld("tx9@test") { p, node, w in
            let outcome: String = await (try? node.run { caller in
                do {
                    try await UpgradeTransaction.upgrade(["tx_server"], rollingBack: [w.v2], in: w.code, node: node, from: caller) { tx in
                        tx.beforeRound = { round in
                            // Killed once its requests of this round are about to leave.
                            if round == phase { caller.exit(caller.pid, reason: .atom(Atom.kill)) }
                        }
                    }
                    return "committed"
                } catch let error as UpgradeFailure {
                    if case .callerExited = error.cause, error.rollback.isClean { return "caller exited" }
                    return "\(error)"
                }
            }) ?? "run failed"
            #expect(outcome == "caller exited")
            try await Self.expectAll(w, on: "1.0.0", p)
        }
    }

    @Test func theCallerKilledDuringCommitLeavesEveryProcessResumedOnItsNewCode() async throws {
        try await Self.withWorld("tx10@test") { p, node, w in
            let failures: Int = await (try? node.run { caller in
                let report = try await UpgradeTransaction.upgrade(["tx_server"], rollingBack: [w.v2], in: w.code,
                                                                  node: node, from: caller) { tx in
                    tx.beforeRound = { round in if round == .resume { caller.exit(caller.pid, reason: .atom(Atom.kill)) } }
                }
                return report.resumeFailures.count
            }) ?? -1
            #expect(failures == 0)
            try await Self.expectAll(w, on: "2.0.0", p)
        }
    }

    /// Kills `pid` and waits for its 'DOWN'.
    static func kill(_ pid: Pid, _ p: LocalProcess) async {
        let ref = p.monitor(pid)
        p.exit(pid, reason: .atom(Atom.kill))
        _ = try? await p.receive(timeout: .seconds(30)) { m -> Bool? in
            if case .tuple(let e) = m, e.count == 5, e[1] == .ref(ref) { return true }
            return nil
        }
    }
}
