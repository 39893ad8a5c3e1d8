import Foundation
import ReliveCodeServer
import ReliveKit
@_spi(Testing) import ReliveReleaseHandler
import ReliveReleases
import ReliveRuntime
import ReliveTestSupport
import Testing

/// The relup evaluator on a live node with real plugins: an upgrade and a
/// downgrade script, and the fault matrix — each failure ends on the old
/// release, every process alive on its old code with its old state.
@Suite(.serialized) struct ScriptEvaluatorTests {
    typealias T = UpgradeTransactionTests

    /// A node with `count` tx_server 1.0.0 processes, the 2.0.0 plugin NOT loaded.
    static func world(_ p: LocalProcess, _ node: Node) async throws -> (CodeServer, [Pid]) {
        let code = CodeServer(node: node)
        try code.load(pluginAt: try await PluginFixtures.shared.txServer("1.0.0"))
        var pids: [Pid] = []
        for n in 0..<T.count {
            pids.append(try #require(try await GenServer.start("tx_server", args: .int(n), link: false, from: p).pid))
        }
        return (code, pids)
    }

    static func locator(v2: String? = nil) async throws -> PluginLocator {
        let v1 = try await PluginFixtures.shared.txServer("1.0.0")
        let two: String
        if let v2 { two = v2 } else { two = try await PluginFixtures.shared.txServer("2.0.0") }
        return { app, vsn in vsn == "1.0.0" ? v1 : two }
    }

    static func upScript(extra: Term = [], before: [Term] = [], after: [Term] = []) -> [Term] {
        let m: Term = .atom("tx_server")
        return [.tuple([.atom("load_object_code"), .tuple([.atom("txapp"), .string("2.0.0"), .list([m])])])]
            + before
            + [.atom("point_of_no_return"),
               .tuple([.atom("suspend"), .list([m])]),
               .tuple([.atom("load"), .tuple([m, .atom("brutal_purge"), .atom("brutal_purge")])]),
               .tuple([.atom("code_change"), .atom("up"), .list([.tuple([m, extra])])])]
            + after
            + [.tuple([.atom("resume"), .list([m])])]
    }

    static func downScript() -> [Term] {
        let m: Term = .atom("tx_server")
        return [.tuple([.atom("load_object_code"), .tuple([.atom("txapp"), .string("1.0.0"), .list([m])])]),
                .atom("point_of_no_return"),
                .tuple([.atom("suspend"), .list([m])]),
                .tuple([.atom("code_change"), .atom("down"), .list([.tuple([m, .list([])])])]),
                .tuple([.atom("load"), .tuple([m, .atom("brutal_purge"), .atom("brutal_purge")])]),
                .tuple([.atom("resume"), .list([m])])]
    }

    static func world(_ code: CodeServer, _ node: Node, _ pids: [Pid]) -> T.World {
        T.World(node: node, code: code, pids: pids, v2: code.plugins[0])
    }

    @Test func anUpgradeAndADowngradeScriptMoveEveryProcessAndItsState() async throws {
        let node = Node(name: "ev0@test")
        defer { node.shutdown() }
        try await node.run { p in
            let (code, pids) = try await Self.world(p, node)
            let locate = try await Self.locator()
            let evaluator = ScriptEvaluator(node: node, code: code)
            let up = try await evaluator.evaluate(try ScriptChecker.check(Self.upScript(), locate: locate), from: p)
            #expect(up.processes == T.count)
            #expect(up.resumeFailures.isEmpty && up.restart == nil)
            #expect(up.steps.count == 6 && up.timings.pause > .zero)
            try await T.expectAll(Self.world(code, node, pids), on: "2.0.0", p)
            #expect(node.modules.old("tx_server") == nil)   // the brutal post-purge ran after the commit, killing nobody

            let down = try await evaluator.evaluate(try ScriptChecker.check(Self.downScript(), locate: locate), mode: .down, from: p)
            #expect(down.processes == T.count)
            try await T.expectAll(Self.world(code, node, pids), on: "1.0.0", p)
        }
    }

    @Test func theCodeChangeJoinsTheSuspendRoundUnlessAnotherInstructionStandsBetween() async throws {
        let node = Node(name: "ev-pipe@test")
        defer { node.shutdown() }
        try await node.run { p in
            let (code, pids) = try await Self.world(p, node)
            let locate = try await Self.locator()
            let evaluator = ScriptEvaluator(node: node, code: code)
            // An apply between the suspend and the code change expects the processes on their old code.
            var up = Self.upScript()
            let at = try #require(up.firstIndex { $0[element: 0] == .atom("code_change") })
            up.insert(.tuple([.atom("apply"), .tuple([.atom("tx_server"), .atom("echo"), .list([.int(1)])])]), at: at)
            let apart = try await evaluator.evaluate(try ScriptChecker.check(up, locate: locate), from: p)
            #expect(!apart.timings.pipelined && apart.timings.change > .zero)
            try await T.expectAll(Self.world(code, node, pids), on: "2.0.0", p)
            // Only a load between them: one round.
            let down = try await evaluator.evaluate(try ScriptChecker.check(Self.downScript(), locate: locate), mode: .down, from: p)
            #expect(down.timings.pipelined && down.timings.change == .zero)
            try await T.expectAll(Self.world(code, node, pids), on: "1.0.0", p)
        }
    }

    /// Runs the up script with `extra`/`before`/`after` and expects it to fail
    /// with `kind`, leaving everything on 1.0.0.
    static func expectRolledBack(_ kind: String, extra: Term = [], before: [Term] = [], after: [Term] = [],
                                 v2: String? = nil, hook: (@Sendable (UpgradePhase, [Pid], LocalProcess) async -> Void)? = nil,
                                 dead: (@Sendable ([Pid]) -> Set<Pid>)? = nil) async throws {
        let node = Node(name: "ev-\(kind)@test")
        defer { node.shutdown() }
        try await node.run { p in
            let (code, pids) = try await Self.world(p, node)
            let evaluator = ScriptEvaluator(node: node, code: code, options: {
                var o = ScriptEvaluator.Options()
                o.changeTimeout = .milliseconds(100)
                return o
            }())
            if let hook { evaluator.beforeRound = { phase in await hook(phase, pids, p) } }
            let script = try ScriptChecker.check(Self.upScript(extra: extra, before: before, after: after),
                                                 locate: try await Self.locator(v2: v2))
            let error = await #expect(throws: ScriptError.self) { try await evaluator.evaluate(script, from: p) }
            #expect(error?.kind == kind, "\(error.map(String.init(describing:)) ?? "")")
            #expect(code.plugins.map(\.version) == ["1.0.0"])
            try await T.expectAll(Self.world(code, node, pids), on: "1.0.0", except: dead?(pids) ?? [], p)
        }
    }

    @Test func aThrowingCodeChangeInOneProcessRollsBack() async throws {
        try await Self.expectRolledBack("code_change_failed", extra: [.tuple([.atom("throw"), .int(T.victim)])])
    }

    @Test func aCodeChangePastItsTimeoutRollsBack() async throws {
        try await Self.expectRolledBack("code_change_failed", extra: [.tuple([.atom("hang"), .int(T.victim), .int(500)])])
    }

    @Test func aProcessDyingWhileSuspendedRollsBack() async throws {
        try await Self.expectRolledBack("code_change_failed", hook: { phase, pids, p in
            if phase == .changeCode { await T.kill(pids[T.victim], p) }
        }, dead: { [$0[T.victim]] })
    }

    @Test(arguments: ["abi", "descriptor"])
    func aBrokenNewPluginChangesNothing(_ how: String) async throws {
        try await Self.expectRolledBack("load_object_code_failed", v2: try await PluginFixtures.shared.brokenTxServer(how))
    }

    @Test func aThrowingApplyBeforeThePointOfNoReturnChangesNothing() async throws {
        try await Self.expectRolledBack("apply_failed", before: [.tuple([.atom("apply"), .tuple([.atom("tx_server"), .atom("fail"), .list([])])])])
    }

    @Test func aThrowingApplyAfterThePointOfNoReturnRollsBack() async throws {
        try await Self.expectRolledBack("apply_failed", after: [.tuple([.atom("apply"), .tuple([.atom("tx_server"), .atom("fail"), .list([])])])])
    }

    @Test func anApplyOfAnExportedFunctionRuns() async throws {
        let node = Node(name: "ev-apply@test")
        defer { node.shutdown() }
        try await node.run { p in
            let (code, pids) = try await Self.world(p, node)
            let script = try ScriptChecker.check(
                Self.upScript(after: [.tuple([.atom("apply"), .tuple([.atom("tx_server"), .atom("echo"), .list([.int(1)])])])]),
                locate: try await Self.locator())
            _ = try await ScriptEvaluator(node: node, code: code).evaluate(script, from: p)
            try await T.expectAll(Self.world(code, node, pids), on: "2.0.0", p)
        }
    }

    @Test func aMissingPluginIsRefusedByTheChecker() async throws {
        let error = #expect(throws: ScriptError.self) {
            try ScriptChecker.check(Self.upScript(), locate: { _, _ in "/nonexistent/txapp-2.0.0.so" })
        }
        #expect(error?.kind == "no_object_code" && error?.index == 0)
    }

    @Test func theCheckerRefusesMalformedScripts() async throws {
        let locate = try await Self.locator()
        let m: Term = .atom("tx_server")
        let cases: [(String, [Term])] = [
            ("bad_instruction", [.tuple([.atom("update"), m])]),
            ("too_many_point_of_no_return", [.atom("point_of_no_return"), .atom("point_of_no_return")]),
            ("bad_op_after_point_of_no_return", [.atom("point_of_no_return"),
                                                 .tuple([.atom("load_object_code"), .tuple([.atom("txapp"), .string("2.0.0"), .list([m])])])]),
            ("resumed_not_suspended", [.tuple([.atom("resume"), .list([m])])]),
            ("code_change_not_suspended", [.tuple([.atom("code_change"), .list([.tuple([m, .list([])])])])]),
            ("suspended_not_resumed", [.tuple([.atom("suspend"), .list([m])])]),
            ("bad_restart_new_emulator", [.atom("point_of_no_return"), .atom("restart_new_emulator")]),
            ("bad_restart_emulator", [.atom("restart_emulator"), .atom("point_of_no_return")]),
            ("not_supported", [.tuple([.atom("sync_nodes"), .atom("id"), .list([.atom("a@b")])])]),
        ]
        for (kind, script) in cases {
            let error = #expect(throws: ScriptError.self) { try ScriptChecker.check(script, locate: locate) }
            #expect(error?.kind == kind, "\(script)")
        }
    }

    @Test func restartNewEmulatorIsHandedToTheNodeLayerWithNothingChanged() async throws {
        let node = Node(name: "ev-restart@test")
        defer { node.shutdown() }
        try await node.run { p in
            let (code, pids) = try await Self.world(p, node)
            let script = try ScriptChecker.check([.atom("restart_new_emulator")] + Self.upScript(), locate: try await Self.locator())
            let report = try await ScriptEvaluator(node: node, code: code).evaluate(script, from: p)
            #expect(report.restart == .restartNewEmulator)
            try await T.expectAll(Self.world(code, node, pids), on: "1.0.0", p)
        }
    }
}
