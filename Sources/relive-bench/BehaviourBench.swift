// gen_server and plugin benchmarks (issues "Behaviours" and "Plugins").
//
// The server is ../shared/anchors/erlang/anchors_srv.erl in Swift: it counts
// casts to a target and tells the starter, and answers `ping` with `ok`.
import Foundation
import ReliveCodeServer
import ReliveKit
import ReliveRuntime

/// anchors_srv: init({Target, Notify}), handle_cast(inc), handle_call(ping).
struct AnchorsServer: GenServerBehaviour {
    struct State: Sendable { var count: Int; let target: Int; let notify: Pid? }

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        .ok(State(count: 0, target: args[element: 0]?.intValue ?? 0, notify: args[element: 1]?.pidValue))
    }

    nonisolated(nonsending) func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult {
        .reply(.ok)
    }

    nonisolated(nonsending) func handleCast(_ request: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        state.count += 1
        if state.count == state.target { state.notify?.send(.tuple([.atom("counted"), .int(state.count)])) }
        return .noreply
    }

    func exportState(_ state: State) -> Term { .int(state.count) }
    func importState(_ term: Term) throws -> State { State(count: term.intValue ?? 0, target: 0, notify: nil) }
}

/// The same server as a plugin's source, for the plugin benchmarks.
let anchorsServerPluginSource = """
import ReliveKit

struct AnchorsServer: GenServerBehaviour {
    struct State: Sendable { var count: Int; let target: Int; let notify: Pid? }
    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<State> {
        .ok(State(count: 0, target: args[element: 0]?.intValue ?? 0, notify: args[element: 1]?.pidValue))
    }
    nonisolated(nonsending) func handleCall(_ request: Term, from: CallFrom, state: inout State,
                    process: any ProcessContext) async throws -> GenServerCallResult { .reply(.ok) }
    nonisolated(nonsending) func handleCast(_ request: Term, state: inout State, process: any ProcessContext) async throws -> GenServerResult {
        state.count += 1
        if state.count == state.target { state.notify?.send(.tuple([.atom("counted"), .int(state.count)])) }
        return .noreply
    }
    func exportState(_ state: State) -> Term { .int(state.count) }
    func importState(_ term: Term) throws -> State { State(count: term.intValue ?? 0, target: 0, notify: nil) }
}

@_cdecl("relive_plugin_descriptor")
public func reliveDescriptor() -> UnsafeMutableRawPointer {
    Plugin.export(application: "APP", version: "VSN", modules: [.genServer("MODULE", AnchorsServer())])
}
"""

/// Builds (once, cached under /tmp across runs) a plugin with the anchors server.
func anchorsPlugin(app: String, vsn: String, module: String) throws -> String {
    // Kept per build of the kit: a plugin built against another kit (its
    // protocols' ABI may differ) must not be loaded.
    let builder = try PluginBuilder.locate()
    let kit = (try? FileManager.default.attributesOfItem(atPath: builder.kitDirectory + "/libReliveKit.so")) ?? [:]
    let stamp = "\((kit[.size] as? Int) ?? 0)-\(Int((kit[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0))"
    let dir = "/tmp/relive-bench-plugins/\(stamp)/\(app)-\(vsn)"
    let path = dir + "/" + PluginBuilder.fileName(application: app, version: vsn)
    if FileManager.default.fileExists(atPath: path) { return path }
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let source = dir + "/Server.swift"
    try anchorsServerPluginSource.replacingOccurrences(of: "APP", with: app).replacingOccurrences(of: "VSN", with: vsn)
        .replacingOccurrences(of: "MODULE", with: module).write(toFile: source, atomically: true, encoding: .utf8)
    return try builder.build(application: app, version: vsn, sources: [source], outputDirectory: dir)
}

/// 1M sequential calls after 1000 warm-up calls (anchors_bench:call_bench).
func callRoundTrip(_ node: Node, _ n: Int, module: Atom) async throws -> Double {
    try await node.run { p -> Double in
        guard let server = try await GenServer.start(module, args: .tuple([.int(n), .pid(p.pid)]), link: false, from: p).pid else {
            return .nan
        }
        for _ in 0..<1000 { _ = try await GenServer.call(server, ping, process: p) }
        let t0 = now()
        for _ in 0..<n { _ = try await GenServer.call(server, ping, process: p) }
        return Double(now() - t0) / Double(n)
    }
}

func genServerCall(_ node: Node, _ n: Int) async throws {
    try node.modules.load(LoadedModule(name: "anchors_srv", version: "1", code: .genServer(AnchorsServer())))
    emit("genserver_call_rtt", try await callRoundTrip(node, n, module: "anchors_srv"), "ns/call")
}

/// S senders cast N/S `inc` each; timed until the server has counted N
/// (anchors_bench:cast_bench).
func genServerCast(_ node: Node, _ n: Int, senders: Int) async throws {
    try node.modules.load(LoadedModule(name: "anchors_srv", version: "1", code: .genServer(AnchorsServer())))
    let (total, sendPhase) = try await node.run { p -> (UInt64, UInt64) in
        guard let server = try await GenServer.start("anchors_srv", args: .tuple([.int(n), .pid(p.pid)]), link: false, from: p).pid else {
            return (0, 0)
        }
        let per = n / senders
        let me = p.pid
        var pids: [Pid] = []
        for _ in 0..<senders {
            pids.append(p.spawn { s in
                _ = try await s.receive()
                let inc: Term = .atom("inc")
                for _ in 0..<per { GenServer.cast(server, inc) }
                me.send(.atom("sent"))
            })
        }
        let t0 = now()
        for pid in pids { pid.send(.atom("go")) }
        for _ in 0..<senders { _ = try await p.receive(matching: { $0 == .atom("sent") ? true : nil }) }
        let t1 = now()
        _ = try await p.receive(matching: { $0[element: 0] == .atom("counted") ? true : nil })
        return (now() - t0, t1 - t0)
    }
    emit("genserver_cast_\(senders)sender_throughput", Double(n) / (Double(total) / 1e9), "msgs/s")
    emit("genserver_cast_\(senders)sender_send_phase", Double(sendPhase) / 1e6, "ms")
    emit("genserver_cast_\(senders)sender_total", Double(total) / 1e6, "ms")
}

/// Load time, first call, and call round trip through a plugin module.
func pluginBench(_ node: Node, _ n: Int) async throws {
    let path = try anchorsPlugin(app: "anchors", vsn: "1.0.0", module: "anchors_plugin_srv")
    let code = CodeServer(node: node)
    let t0 = now()
    try code.load(pluginAt: path)
    let t1 = now()
    emit("plugin_load", Double(t1 - t0) / 1000, "us")
    let first = try await node.run { p -> UInt64 in
        let t2 = now()
        guard let server = try await GenServer.start("anchors_plugin_srv", args: .tuple([0, .pid(p.pid)]), link: false, from: p).pid else {
            return 0
        }
        _ = try await GenServer.call(server, ping, process: p)
        return now() - t2
    }
    emit("plugin_first_call", Double(first) / 1000, "us")
    emit("plugin_genserver_call_rtt", try await callRoundTrip(node, n, module: "anchors_plugin_srv"), "ns/call")
}

/// Resident memory each loaded (and then purged) plugin version keeps.
func pluginMemory(_ node: Node, versions: Int) async throws {
    var paths: [String] = []
    for v in 0..<versions { paths.append(try anchorsPlugin(app: "mem\(v)", vsn: "1", module: "mem\(v)_srv")) }
    let code = CodeServer(node: node)
    let before = rssBytes()
    for path in paths { try code.load(pluginAt: path) }
    let after = rssBytes()
    emit("plugin_retained_rss_per_version", Double(after - before) / Double(versions), "bytes")
    emit("plugin_retained_resident_per_version", Double(code.retainedImages.residentBytes) / Double(versions), "bytes")
}

/// `multicall N [ROUNDS]`: N idle gen_servers asked `ping` at once, ROUNDS
/// times (default 5), by one `CallRounds`: the rounds an upgrade's phases are
/// made of (suspend, change_code, resume; each server monitored once for all
/// of them), without the upgrade around them, so that a profile shows only
/// the rounds. Prints the median round's time per process.
func multiCallBench(_ node: Node, _ n: Int, rounds: Int) async throws {
    try node.modules.load(LoadedModule(name: "anchors_srv", version: "1", code: .genServer(AnchorsServer())))
    let perRound = try await node.run { p -> [Double] in
        var servers: [Pid] = []
        servers.reserveCapacity(n)
        for _ in 0..<n {
            guard let pid = try await GenServer.start("anchors_srv", args: .tuple([0, .pid(p.pid)]), link: false, from: p).pid else {
                throw ProcessExit(.atom("start_failed"))
            }
            servers.append(pid)
        }
        var times: [Double] = []
        let calls = CallRounds(process: p)
        defer { calls.close() }
        let members = calls.add(servers).map { (target: $0, timeout: Optional(GenericCall.defaultTimeout)) }
        for _ in 0..<rounds {
            let t0 = now()
            let results = try await calls.call(members, label: "$gen_call", request: ping)
            times.append(Double(now() - t0) / Double(n))
            guard results.count == n, results.allSatisfy({ if case .success(.ok) = $0 { true } else { false } }) else {
                throw ProcessExit(.atom("bad_round"))
            }
        }
        return times
    }
    emit("multicall_\(n)_per_proc", perRound.sorted()[perRound.count / 2], "ns/proc")
}
