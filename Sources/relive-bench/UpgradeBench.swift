// `relive-bench upgrade N`: N gen_servers upgraded by the release handler's
// evaluator from a relup script, between two real plugins (built once with
// the plugin builder, cached under /tmp/relive-bench-plugins): the script
// `systools` emits for `{update, upgrade_srv, {advanced, []}}` —
// load_object_code, point_of_no_return, suspend, load, code_change up,
// resume. The state changes shape in code_change (`{count}` → `{count, hist}`).
// Mirrors ../shared/anchors/erlang/upgrade_bench.erl: processes started and
// given one `inc` before, every process checked after (state transformed, new
// code answering); the window is first suspend to last resume, and
// load_object_code (Erlang reads the object code beforehand) is outside it.
import Foundation
import Glibc
import ReliveCodeServer
import ReliveKit
import ReliveReleaseHandler
import ReliveRuntime

private let upgradeApp = "upgrade_bench"
private let upgradeModule: Atom = "upgrade_srv"

/// counter v1 of the anchors: state `{count}`.
private let upgradeSourceV1 = """
import ReliveKit

struct UpgradeServer: GenServerBehaviour {
    struct State: Codable, Sendable { var count: Int }
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        .ok(State(count: 0))
    }
    func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        if request == .atom("inc") { state.count += 1 }
        return .reply(.int(state.count))
    }
    func handleCast(_ request: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        state.count += 1
        return .noreply
    }
}

@_cdecl("relive_plugin_descriptor")
public func reliveDescriptor() -> UnsafeMutableRawPointer {
    Plugin.export(application: "APP", version: "1.0.0", modules: [.genServer("MODULE", UpgradeServer())])
}
"""

/// counter v2 of the anchors: state `{count, hist}`; code_change converts both ways.
private let upgradeSourceV2 = """
import ReliveKit

struct UpgradeServer: GenServerBehaviour {
    struct State: Codable, Sendable { var count: Int; var hist: [Int] }
    struct Old: Codable { var count: Int }
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        .ok(State(count: 0, hist: []))
    }
    func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        if request == .atom("inc") { bump(&state) }
        return .reply(.int(state.count))
    }
    func handleCast(_ request: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        bump(&state)
        return .noreply
    }
    func bump(_ state: inout State) {
        state.hist = Array(([state.count] + state.hist).prefix(10))
        state.count += 1
    }
    func codeChange(oldVersion: Term, state: Term, extra: Term) throws -> State {
        State(count: try TermDecoder().decode(Old.self, from: state).count, hist: [])
    }
}

@_cdecl("relive_plugin_descriptor")
public func reliveDescriptor() -> UnsafeMutableRawPointer {
    Plugin.export(application: "APP", version: "2.0.0", modules: [.genServer("MODULE", UpgradeServer())])
}
"""

/// Builds (once per source and kit, cached under /tmp) the benchmark's plugin `vsn`.
private func upgradePlugin(_ vsn: String, source: String) throws -> String {
    let text = source.replacingOccurrences(of: "APP", with: upgradeApp)
        .replacingOccurrences(of: "MODULE", with: upgradeModule.name)
    let builder = try PluginBuilder.locate()
    // A changed source or kit is a new cache entry (FNV-1a of both).
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    let kit = (try? FileManager.default.attributesOfItem(atPath: builder.kitDirectory + "/libReliveKit.so")) ?? [:]
    let kitStamp = "\(kit[.size] ?? 0)-\((kit[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
    for byte in (text + kitStamp).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let dir = "/tmp/relive-bench-plugins/\(upgradeApp)-\(vsn)-\(String(hash, radix: 16))"
    let path = dir + "/" + PluginBuilder.fileName(application: upgradeApp, version: vsn)
    if FileManager.default.fileExists(atPath: path) { return path }
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let file = dir + "/Server.swift"
    try text.write(toFile: file, atomically: true, encoding: .utf8)
    return try builder.build(application: upgradeApp, version: vsn, sources: [file], outputDirectory: dir)
}

func upgradeBench(_ node: Node, _ n: Int) async throws {
    let v1 = try upgradePlugin("1.0.0", source: upgradeSourceV1)
    let v2 = try upgradePlugin("2.0.0", source: upgradeSourceV2)
    let code = CodeServer(node: node)
    try code.load(pluginAt: v1)
    let m: Term = .atom(upgradeModule)
    let script = try ScriptChecker.check([
        .tuple([.atom("load_object_code"), .tuple([.atom(Atom(upgradeApp)), .string("2.0.0"), .list([m])])]),
        .atom("point_of_no_return"),
        .tuple([.atom("suspend"), .list([m])]),
        .tuple([.atom("load"), .tuple([m, .atom("brutal_purge"), .atom("brutal_purge")])]),
        .tuple([.atom("code_change"), .atom("up"), .list([.tuple([m, .list([])])])]),
        .tuple([.atom("resume"), .list([m])]),
    ], locate: { _, vsn in vsn == "2.0.0" ? v2 : v1 })
    let options = {
        var o = ScriptEvaluator.Options()
        o.suspendTimeout = .seconds(600)
        o.changeTimeout = .seconds(600)
        o.resumeTimeout = .seconds(600)
        return o
    }()
    let (result, checked) = try await node.run { p -> (EvaluationReport?, Bool) in
        var pids: [Pid] = []
        pids.reserveCapacity(n)
        for _ in 0..<n {
            guard let pid = try await GenServer.start(upgradeModule, args: .list([]), link: false, from: p).pid else {
                return (nil, false)
            }
            pids.append(pid)
        }
        for pid in pids { GenServer.cast(pid, .atom("inc")) }
        for pid in pids {
            if try await GenServer.call(pid, .atom("get"), process: p) != .int(1) { return (nil, false) }
        }
        let mark0 = now()
        let clock0 = ContinuousClock.now
        let report = try await ScriptEvaluator(node: node, code: code, options: options).evaluate(script, from: p)
        // For `perf record -k CLOCK_MONOTONIC` + `perf report --time START,END` (seconds).
        if getenv("RELIVE_BENCH_MARKS") != nil {
            print("# evaluate from \(Double(mark0) / 1e9) to \(Double(now()) / 1e9)")
            if let start = report.timings.pauseStart {
                let from = Double(mark0) / 1e9 + UpgradeTimings.ms(start - clock0) / 1e3
                print("# pause from \(from) to \(from + UpgradeTimings.ms(report.timings.pause) / 1e3)")
            }
        }
        // Every process upgraded: state transformed, the new code answering.
        let expected: Term = try TermEncoder().encode(UpgradedState(count: 1, hist: []))
        for pid in pids {
            if try await Sys.getState(pid, process: p) != expected { return (report, false) }
            if try await GenServer.call(pid, .atom("inc"), process: p) != .int(2) { return (report, false) }
        }
        let after: Term = try TermEncoder().encode(UpgradedState(count: 2, hist: [1]))
        return (report, try await Sys.getState(pids[0], process: p) == after)
    }
    guard let report = result, checked, report.processes == n, node.modules.users(of: upgradeModule).allSatisfy({ $0.version == "2.0.0" }) else {
        print("# upgrade_\(n): not every process changed (\(result?.processes ?? 0))")
        exit(1)
    }
    let loadStep = report.steps.first { $0.instruction.hasPrefix("{load_object_code") }
    emit("upgrade_\(n)_window", UpgradeTimings.ms(report.timings.pause), "ms")
    if report.timings.pipelined {
        // Each process's suspend and change_code went in one round.
        emit("upgrade_\(n)_suspend_change_code", UpgradeTimings.ms(report.timings.suspend), "ms")
    } else {
        emit("upgrade_\(n)_suspend", UpgradeTimings.ms(report.timings.suspend), "ms")
        emit("upgrade_\(n)_change_code", UpgradeTimings.ms(report.timings.change), "ms")
    }
    emit("upgrade_\(n)_resume", UpgradeTimings.ms(report.timings.resume), "ms")
    // After the pause: the resume round that confirms the processes the runtime released.
    emit("upgrade_\(n)_resume_confirmed_after", UpgradeTimings.ms(report.timings.confirm), "ms")
    emit("upgrade_\(n)_window_per_proc", UpgradeTimings.ms(report.timings.pause) * 1000 / Double(n), "us/proc")
    if let loadStep { emit("upgrade_\(n)_load_object_code", UpgradeTimings.ms(loadStep.duration), "ms") }
}

/// v2's state as it exports it (keys in the same order as the plugin's).
private struct UpgradedState: Codable { var count: Int; var hist: [Int] }
