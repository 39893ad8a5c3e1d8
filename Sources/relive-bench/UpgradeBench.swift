// `relive-bench upgrade N`: N gen_servers upgraded by the release handler's
// evaluator from a relup script (point_of_no_return, suspend, code_change up,
// resume), with a state-transforming code_change; mirrors
// ../shared/anchors/erlang/upgrade_bench.erl. The modules are loaded in
// process (no plugin build), before the timed part.
import Glibc
import ReliveCodeServer
import ReliveKit
import ReliveReleaseHandler
import ReliveRuntime

struct UpgradeServerV1: GenServerBehaviour {
    struct State: Codable, Sendable { var count: Int }
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        .ok(State(count: args.intValue ?? 0))
    }
    func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult { .reply(.int(state.count)) }
}

struct UpgradeServerV2: GenServerBehaviour {
    struct State: Codable, Sendable { var count: Int; var history: [Int] }
    struct Old: Codable { var count: Int }
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        .ok(State(count: args.intValue ?? 0, history: []))
    }
    func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult { .reply(.int(state.count)) }
    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        let old = try TermDecoder().decode(Old.self, from: state)
        return State(count: old.count, history: [old.count])
    }
}

func upgradeBench(_ node: Node, _ n: Int) async throws {
    let module: Atom = "upgrade_srv"
    try node.modules.load(LoadedModule(name: module, version: "1", code: .genServer(UpgradeServerV1())))
    let report = try await node.run { p -> EvaluationReport in
        for i in 0..<n { _ = try await GenServer.start(module, args: .int(i), link: false, from: p) }
        try node.modules.load(LoadedModule(name: module, version: "2", code: .genServer(UpgradeServerV2())))
        let m: Term = .atom(module)
        let script = try ScriptChecker.check([
            .atom("point_of_no_return"),
            .tuple([.atom("suspend"), .list([m])]),
            .tuple([.atom("code_change"), .atom("up"), .list([.tuple([m, .list([])])])]),
            .tuple([.atom("resume"), .list([m])]),
        ], locate: { _, _ in "" })
        var options = ScriptEvaluator.Options()
        options.suspendTimeout = .seconds(600)
        options.changeTimeout = .seconds(600)
        options.resumeTimeout = .seconds(600)
        return try await ScriptEvaluator(node: node, code: CodeServer(node: node), options: options).evaluate(script, from: p)
    }
    guard report.processes == n, node.modules.users(of: module).allSatisfy({ $0.version == "2" }) else {
        print("# upgrade_\(n): not every process changed (\(report.processes))")
        exit(1)
    }
    emit("upgrade_\(n)_window", UpgradeTimings.ms(report.timings.pause), "ms")
    emit("upgrade_\(n)_suspend", UpgradeTimings.ms(report.timings.suspend), "ms")
    emit("upgrade_\(n)_change_code", UpgradeTimings.ms(report.timings.change), "ms")
    emit("upgrade_\(n)_resume", UpgradeTimings.ms(report.timings.resume), "ms")
}
