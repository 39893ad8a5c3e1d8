// The live-upgrade demo: a pool of counter processes keeps serving clients
// while its code is upgraded from plugin 1.0.0 to 2.0.0 (the state changes
// shape), then a flawed 3.0.0 fails to migrate some processes' state and the
// whole change is rolled back — no process restarted, no call lost.
import Foundation
import Logging
import ReliveCodeServer
import ReliveKit
import ReliveReleaseHandler
import ReliveRuntime

let counters = Int(ProcessInfo.processInfo.environment["DEMO_COUNTERS"] ?? "") ?? 1000
let clients = 4
let out = ProcessInfo.processInfo.environment["DEMO_OUT"] ?? "out/demo"

func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
func ms(_ d: Duration) -> String { String(format: "%.2f ms", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000) }

// 1. Build the three versions of the counter application's plugin.
say("== Relive live-upgrade demo ==")
func buildPlugin(_ vsn: String) throws -> String {
    var builder = try PluginBuilder.locate()
    builder.optimize = ProcessInfo.processInfo.environment["DEMO_DEBUG_PLUGINS"] == nil
    let dir = "plugins/counter/\(vsn)"
    let sources = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".swift") }.map { dir + "/" + $0 }
    let path = try builder.build(application: "counter", version: vsn, sources: sources, outputDirectory: out + "/plugins")
    say("built \(path)")
    return path
}
let v1 = try buildPlugin("1.0.0"), v2 = try buildPlugin("2.0.0"), v3 = try buildPlugin("3.0.0")

var logger = Logger(label: "relive-demo")
logger.logLevel = .critical
let node = Node(name: "demo@localhost", logger: logger)
let code = CodeServer(node: node)

/// Calls every counter's `get` and returns the sum.
func total(_ pids: [Pid], _ p: LocalProcess) async throws -> Int {
    var sum = 0
    for pid in pids { sum += try await GenServer.call(pid, .atom("get"), process: p).intValue ?? 0 }
    return sum
}

let succeeded = try await node.run { p -> Bool in
    try code.load(pluginAt: v1)
    say("\nloaded counter-1.0.0 into node \(node.id)")
    guard let pool = try await Supervisor.start("counter_pool", name: "counter_pool", from: p).pid else {
        throw ProcessExit(.atom("pool_ignored"))
    }
    var pids: [Pid] = []
    for i in 0..<counters {
        // Every 100th counter starts high: 3.0.0 will not be able to migrate it.
        let initial = i % 100 == 99 ? 1000 : 0
        guard let pid = try await Supervisor.startChild(pool, extraArgs: [.int(initial)], process: p) else {
            throw ProcessExit(.atom("counter_ignored"))
        }
        pids.append(pid)
    }
    let initialTotal = try await total(pids, p)
    say("started \(counters) counters under counter_pool (simple_one_for_one)")

    // 2. Clients call `inc` on random counters for as long as the demo runs.
    let me = p.pid
    let allPids = pids
    for c in 0..<clients {
        p.spawnLink { client in
            var ok = 0, failed = 0
            var worst: Duration = .zero
            var rng = SystemRandomNumberGenerator()
            while try await client.receive(timeout: .zero) == nil {
                let target = allPids[Int.random(in: 0..<allPids.count, using: &rng)]
                let t0 = ContinuousClock.now
                do {
                    _ = try await GenServer.call(target, .atom("inc"), process: client)
                    ok += 1
                } catch { failed += 1 }
                worst = max(worst, ContinuousClock.now - t0)
            }
            let worstMicros = Int(worst.components.seconds) * 1_000_000 + Int(worst.components.attoseconds / 1_000_000_000_000)
            client.send(.tuple([.atom("client"), .int(c), .int(ok), .int(failed), .int(worstMicros)]), to: me)
        }
    }
    try await Task.sleep(for: .milliseconds(300))
    say("\(clients) clients are calling `inc` on random counters")

    // 3. Upgrade to 2.0.0.
    say("\n-- upgrade counter 1.0.0 -> 2.0.0 (state {count} becomes {count, history}) --")
    let newPlugin = try code.load(pluginAt: v2)
    say("loaded counter-2.0.0; \(node.modules.users(of: Atom("counter")).filter { $0.version == "1.0.0" }.count) processes still run 1.0.0")
    let up = try await UpgradeTransaction.upgrade(["counter", "counter_pool"], rollingBack: [newPlugin], in: code,
                                                  node: node, from: p)
    say("suspended, changed and resumed together: \(node.modules.users(of: Atom("counter")).count) processes")
    let t = up.timings
    say("  suspend \(ms(t.suspend)), code change \(ms(t.change)), resume \(ms(t.resume)); pause \(ms(t.pause))")
    let versions = Set(node.modules.users(of: Atom("counter")).map(\.version))
    say("counters now run: \(versions.sorted().joined(separator: ", "))")
    _ = try await GenServer.call(pids[7], .atom("inc"), process: p)
    let ownIncrements = 1
    say("counter 7's state after the upgrade: \(try await Sys.getState(pids[7], process: p))")
    try code.purge("counter", mode: .soft)
    say("old code of counter (1.0.0) purged: no process runs it")
    try await Task.sleep(for: .milliseconds(300))

    // 4. A flawed 3.0.0: its code_change refuses counts over 255.
    say("\n-- upgrade counter 2.0.0 -> 3.0.0 (its state migration fails for some counters) --")
    let bad = try code.load(pluginAt: v3)
    do {
        try await UpgradeTransaction.upgrade(["counter"], rollingBack: [bad], in: code, node: node, from: p)
        say("unexpected: 3.0.0 went through")
    } catch let error as UpgradeFailure {
        // The transaction rolled the processes and the module table back itself.
        say("\(error.failures.count) processes refused the change, e.g. \(error.failures.first?.reason ?? .undefined)")
        say("rolled back in \(ms(error.timings.pause)) of pause: every process is back on its old code and state")
    }
    let after = Set(node.modules.users(of: Atom("counter")).map(\.version))
    say("counters now run: \(after.sorted().joined(separator: ", ")); current code: \(node.modules.current("counter")?.version ?? "none")")
    say("counter 7 still answers as \(try await GenServer.call(pids[7], .atom("version"), process: p)) with \(try await Sys.getState(pids[7], process: p))")
    try await Task.sleep(for: .milliseconds(300))

    // 5. Stop the clients and check that no increment was lost.
    for case let client in node.processes where client != me && !pids.contains(client) && client != pool {
        client.send(.atom("stop"))
    }
    var ok = 0, failed = 0, worstUs = 0
    for _ in 0..<clients {
        let report = try await p.receive(matching: { $0[element: 0] == .atom("client") ? $0 : nil })
        ok += report[element: 2]?.intValue ?? 0
        failed += report[element: 3]?.intValue ?? 0
        worstUs = max(worstUs, report[element: 4]?.intValue ?? 0)
    }
    let finalTotal = try await total(pids, p)
    say("\n-- result --")
    say("client calls: \(ok) answered, \(failed) failed; slowest call \(String(format: "%.2f", Double(worstUs) / 1000)) ms")
    let expected = initialTotal + ok + ownIncrements
    say("sum of counts \(finalTotal) = initial \(initialTotal) + \(ok + ownIncrements) increments: \(finalTotal == expected ? "no increment lost" : "MISMATCH")")
    return finalTotal == expected && failed == 0
}
node.shutdown()
if !succeeded {
    FileHandle.standardError.write(Data("demo failed: see above\n".utf8))
    exit(1)
}
