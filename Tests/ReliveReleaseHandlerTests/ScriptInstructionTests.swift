import Foundation
import ReliveCodeServer
import ReliveKit
@_spi(Testing) import ReliveReleaseHandler
import ReliveReleases
import ReliveRuntime
import ReliveTestSupport
import Testing

/// The evaluator's suspend timeouts per module, and its `stop`, `start` and
/// `remove` instructions and their rollback, with real processes of a real
/// plugin (opsapp: slow_a, slow_b, ops_sup).
@Suite(.serialized) struct ScriptInstructionTests {
    static func check(_ script: [Term]) throws -> CheckedScript {
        try ScriptChecker.check(script, locate: { _, _ in "" })
    }

    static func loaded(_ node: Node) async throws -> CodeServer {
        let code = CodeServer(node: node)
        try code.load(pluginAt: try await PluginFixtures.shared.opsApp())
        return code
    }

    static let fail: Term = .tuple([.atom("apply"), .tuple([.atom("slow_a"), .atom("fail"), .list([])])])

    static func children(_ sup: Pid, _ p: LocalProcess) async throws -> [Term: Pid] {
        var out: [Term: Pid] = [:]
        for child in try await Supervisor.whichChildren(sup, process: p) { out[child.id] = child.pid }
        return out
    }

    /// A running process answers a call (a suspended one would not).
    static func expectRunning(_ pid: Pid?, _ p: LocalProcess) async throws {
        let pid = try #require(pid)
        #expect(p.isProcessAlive(pid))
        _ = try await GenServer.call(pid, .atom("state"), timeout: .seconds(30), process: p)
    }

    @Test func eachModulesProcessesAreSuspendedWithinThatModulesTimeout() async throws {
        let node = Node(name: "ins-timeouts@test")
        defer { node.shutdown() }
        try await node.run { p in
            let code = try await Self.loaded(node)
            var pids: [Atom: [Pid]] = [:]
            for module: Atom in ["slow_a", "slow_b"] {
                for i in 0..<3 {
                    pids[module, default: []].append(try #require(try await GenServer.start(module, args: .int(i), link: false, from: p).pid))
                }
            }
            let slowA = try #require(pids["slow_a"]?[0]), slowB = try #require(pids["slow_b"]?[0])
            // One slow process per module: each answers its suspend only once released, 1 s from now —
            // past slow_a's 200 ms, well within slow_b's 60 s.
            GenServer.cast(slowA, .atom("hold"))
            GenServer.cast(slowB, .atom("hold"))
            node.spawn { q in
                _ = try await q.receive(timeout: .seconds(1))
                slowA.send(.atom("release"))
                slowB.send(.atom("release"))
            }
            let script = try Self.check([
                .atom("point_of_no_return"),
                .tuple([.atom("suspend"), .list([.tuple([.atom("slow_a"), .int(200)]), .tuple([.atom("slow_b"), .int(60_000)])])]),
                .tuple([.atom("resume"), .list([.atom("slow_a"), .atom("slow_b")])]),
            ])
            let error = await #expect(throws: ScriptError.self) {
                try await ScriptEvaluator(node: node, code: code).evaluate(script, from: p)
            }
            #expect(error?.kind == "suspend_failed")
            // Only slow_a's slow process failed; slow_b's, as slow, had its module's longer time.
            #expect(error?.processes == [ProcessFailure(pid: slowA, phase: .suspend, reason: .atom("timeout"))])
            #expect(error?.rollback?.isClean == true)
            for pid in pids.values.joined() { try await Self.expectRunning(pid, p) }
        }
    }

    @Test func stopAndStartRestartTheChildrenRunningAModule() async throws {
        let node = Node(name: "ins-stop@test")
        defer { node.shutdown() }
        try await node.run { p in
            let code = try await Self.loaded(node)
            let sup = try #require(try await Supervisor.start("ops_sup", args: .list([]), link: false, from: p).pid)
            let before = try await Self.children(sup, p)
            let script = try Self.check([.atom("point_of_no_return"),
                                         .tuple([.atom("stop"), .list([.atom("slow_a")])]),
                                         .tuple([.atom("start"), .list([.atom("slow_a")])])])
            _ = try await ScriptEvaluator(node: node, code: code).evaluate(script, from: p)
            let after = try await Self.children(sup, p)
            #expect(!p.isProcessAlive(try #require(before[.atom("a")])))
            #expect(after[.atom("a")] != nil && after[.atom("a")] != before[.atom("a")])
            #expect(after[.atom("b")] == before[.atom("b")])
            try await Self.expectRunning(after[.atom("a")], p)
        }
    }

    @Test func aFailureAfterStopRestartsTheStoppedChild() async throws {
        let node = Node(name: "ins-stop-fail@test")
        defer { node.shutdown() }
        try await node.run { p in
            let code = try await Self.loaded(node)
            let sup = try #require(try await Supervisor.start("ops_sup", args: .list([]), link: false, from: p).pid)
            let before = try await Self.children(sup, p)
            let script = try Self.check([.atom("point_of_no_return"), .tuple([.atom("stop"), .list([.atom("slow_a")])]), Self.fail])
            let error = await #expect(throws: ScriptError.self) {
                try await ScriptEvaluator(node: node, code: code).evaluate(script, from: p)
            }
            #expect(error?.kind == "apply_failed")
            let after = try await Self.children(sup, p)
            #expect(after[.atom("a")] != nil && after[.atom("a")] != before[.atom("a")])
            #expect(after[.atom("b")] == before[.atom("b")])
            try await Self.expectRunning(after[.atom("a")], p)
            try await Self.expectRunning(after[.atom("b")], p)
        }
    }

    @Test func aFailureAfterStartStopsWhatWasStartedAndRestartsItOnTheOldCode() async throws {
        let node = Node(name: "ins-start-fail@test")
        defer { node.shutdown() }
        try await node.run { p in
            let code = try await Self.loaded(node)
            let sup = try #require(try await Supervisor.start("ops_sup", args: .list([]), link: false, from: p).pid)
            let before = try await Self.children(sup, p)
            let script = try Self.check([.atom("point_of_no_return"),
                                         .tuple([.atom("stop"), .list([.atom("slow_a")])]),
                                         .tuple([.atom("start"), .list([.atom("slow_a")])]),
                                         .tuple([.atom("suspend"), .list([.atom("slow_b")])]),
                                         Self.fail,
                                         .tuple([.atom("resume"), .list([.atom("slow_b")])])])
            let evaluator = ScriptEvaluator(node: node, code: code)
            let started = ChildBox()
            // The suspend round comes after `start`: the child it started is running then.
            evaluator.beforeRound = { phase in
                if phase == .suspend { started.pid = try? await Self.children(sup, p)[.atom("a")] ?? nil }
            }
            let error = await #expect(throws: ScriptError.self) { try await evaluator.evaluate(script, from: p) }
            #expect(error?.kind == "apply_failed")
            let startedPid = try #require(started.pid)
            #expect(startedPid != before[.atom("a")])
            #expect(!p.isProcessAlive(startedPid))   // stopped by the rollback
            let after = try await Self.children(sup, p)
            #expect(after[.atom("a")] != nil && after[.atom("a")] != startedPid)
            #expect(after[.atom("b")] == before[.atom("b")])   // suspended, then resumed by the rollback
            try await Self.expectRunning(after[.atom("a")], p)
            try await Self.expectRunning(after[.atom("b")], p)
        }
    }

    @Test func removeDeletesAModuleAndItsBrutalPostPurgeKillsItsProcesses() async throws {
        let node = Node(name: "ins-remove@test")
        defer { node.shutdown() }
        try await node.run { p in
            let code = try await Self.loaded(node)
            let b = try #require(try await GenServer.start("slow_b", args: .atom("b"), link: false, from: p).pid)
            let a = try #require(try await GenServer.start("slow_a", args: .atom("a"), link: false, from: p).pid)
            let monitor = p.monitor(b)
            let script = try Self.check([.atom("point_of_no_return"),
                                         .tuple([.atom("remove"), .tuple([.atom("slow_b"), .atom("brutal_purge"), .atom("brutal_purge")])])])
            let report = try await ScriptEvaluator(node: node, code: code).evaluate(script, from: p)
            #expect(report.purged == [b])
            #expect(node.modules.current("slow_b") == nil && node.modules.old("slow_b") == nil)
            let reason = try await p.receive(matching: { m -> Term? in
                guard case .tuple(let e) = m, e.count == 5, e[1] == .ref(monitor) else { return nil }
                return e[4]
            })
            #expect(reason == .atom("killed"))
            try await Self.expectRunning(a, p)
        }
    }

    @Test func aFailureAfterRemovePutsTheModuleBack() async throws {
        let node = Node(name: "ins-remove-fail@test")
        defer { node.shutdown() }
        try await node.run { p in
            let code = try await Self.loaded(node)
            let b = try #require(try await GenServer.start("slow_b", args: .atom("b"), link: false, from: p).pid)
            let script = try Self.check([.atom("point_of_no_return"),
                                         .tuple([.atom("remove"), .tuple([.atom("slow_b"), .atom("brutal_purge"), .atom("brutal_purge")])]),
                                         Self.fail])
            let error = await #expect(throws: ScriptError.self) {
                try await ScriptEvaluator(node: node, code: code).evaluate(script, from: p)
            }
            #expect(error?.kind == "apply_failed")
            #expect(node.modules.current("slow_b")?.version == "1.0.0")
            #expect(node.modules.old("slow_b") == nil)
            #expect(node.modules.users(of: Atom("slow_b")).map(\.pid) == [b])
            try await Self.expectRunning(b, p)
            // And new processes can start on it again.
            _ = try #require(try await GenServer.start("slow_b", args: .atom("b2"), link: false, from: p).pid)
        }
    }
}

/// A pid handed out of a test hook.
final class ChildBox: @unchecked Sendable {
    var pid: Pid?
}
