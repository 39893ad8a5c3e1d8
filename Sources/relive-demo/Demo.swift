import Foundation
import Glibc

/// The README's main job, with the real tool against a real node: build the
/// example system's four releases as signed bundles, boot 1.0.0 under the
/// watchdog, keep a client load on it, and go through the three jobs —
/// upgrade live, a failing upgrade and a crash-looping one rolled back, a
/// rollback on command, a kill in the middle of an upgrade.
struct Demo {
    let repository: String
    let work: String
    let connections: Int
    let port: UInt16
    let timeline = Timeline()

    private var tool: Tool { Tool.beside(directory: repository) }
    private var root: String { work + "/root" }

    private func bundle(_ vsn: String) -> String { "\(work)/kv_system-\(vsn).tar.gz" }

    func run() throws -> Bool {
        timeline.say("Relive live-upgrade demo: the example key-value store (docs/example.md), \(connections) client connections")
        timeline.detail("work folder \(work)")
        try buildBundles()
        try boot()
        let load = LoadClient(port: port, connections: connections)
        load.start()
        defer { load.stop() }
        try warmUp(load)
        try upgradeLive(load)
        try failingUpgrade(load)
        try crashLoopingUpgrade(load)
        try rollbackOnCommand(load)
        try killMidUpgrade(load)
        summary(load)
        _ = try? tool.run(["node", "stop", "--root", root])
        return timeline.allPassed
    }

    // MARK: Build and boot

    private func buildBundles() throws {
        let keys = try tool.run(["bundle", "keygen", "--secret-key", work + "/demo.key", "--public-key", work + "/demo.pub"])
        guard keys.status == 0 else { throw DemoError("keygen: \(keys.stderr)") }
        for (vsn, from) in [("1.0.0", nil), ("2.0.0", "1.0.0"), ("3.0.0", "2.0.0"), ("3.0.1", "2.0.0")] as [(String, String?)] {
            let started = ContinuousClock.now
            let upfrom = from.map { ["--upfrom", "releases/kv_system-\($0).rel"] } ?? []
            let built = try tool.run(["release", "build", "releases/kv_system-\(vsn).rel"] + upfrom
                                     + ["--strict", "--sign", work + "/demo.key", "-o", bundle(vsn), "--json"])
            guard built.status == 0 else { throw DemoError("relive release build \(vsn) failed:\n\(built.stderr)") }
            let report = built.json
            let plugins = (report["plugins"] as? [[String: Any]] ?? []).map {
                "\($0["application"] ?? "?")-\($0["version"] ?? "?")\($0["cached"] as? Bool == true ? " (cached)" : "")"
            }
            timeline.say("built kv_system \(vsn)\(from.map { " (relup from \($0))" } ?? ""), signed: \(plugins.joined(separator: ", ")) in \(Self.seconds(ContinuousClock.now - started)) s")
        }
    }

    private func boot() throws {
        if (try? LineConnection(port: port)) != nil { throw DemoError("port \(port) is in use: stop what listens there first") }
        let made = try tool.run(["node", "init", bundle("1.0.0"), "--root", root, "--public-key", work + "/demo.pub"])
        guard made.status == 0 else { throw DemoError("relive node init: \(made.stderr)") }
        let started = try tool.run(["node", "start", "--root", root, "--json"])
        guard started.status == 0 else { throw DemoError("relive node start: \(started.stderr)") }
        let shards = processes().filter { $0.module == "kv_shard" }.count
        timeline.say("node pid \(started.json["pid"] ?? "?") runs kv_system 1.0.0 under watchdog pid \(started.json["watchdog_pid"] ?? "?"): \(shards) store shards, port \(port)")
        let running = try version()
        timeline.check("the node booted 1.0.0", running == "1.0.0 1.0.0", "VERSION says \(running)")
    }

    private func warmUp(_ load: LoadClient) throws {
        let before = load.counts
        while load.counts.served - before.served < 20_000 { usleep(10_000) }
        let counts = load.counts
        timeline.say("load: \(connections) sessions busy, \(counts.served) requests served, \(counts.failed) failed")
        timeline.check("no request failed under 1.0.0", counts.failed == 0, load.failures.first ?? "")
    }

    // MARK: The five steps

    /// 1. 1.0.0 -> 2.0.0 live: the store's state changes shape, sessions kept.
    private func upgradeLive(_ load: LoadClient) throws {
        timeline.say("1. relive node upgrade kv_system-2.0.0 (live, health window 5 s)")
        let pid = try nodePid()
        let stateBefore = try shardState()
        let (upgrade, step) = try underLoad(load) {
            try tool.run(["node", "upgrade", bundle("2.0.0"), "--health-window", "5s", "--root", root, "--json"], progress: progress)
        }
        let install = upgrade.json["install"] as? [String: Any] ?? [:]
        timeline.check("2.0.0 is permanent", upgrade.status == 0 && upgrade.json["outcome"] as? String == "permanent",
                       upgrade.status == 0 ? "" : upgrade.stdout + upgrade.stderr)
        let rounds = install["pipelined"] as? Bool == true
            ? "suspend and code change in one round \(install["suspend_ms"] ?? "?") ms"
            : "suspend \(install["suspend_ms"] ?? "?") ms, code change \(install["change_ms"] ?? "?") ms"
        timeline.detail("pause \(install["pause_ms"] ?? "?") ms for \(install["processes"] ?? "?") processes (\(rounds), resume \(install["resume_ms"] ?? "?") ms); slowest reply seen by a client \(Self.ms(step.maxLatency)) ms")
        report(step)
        checkKept(step, pid: pid, version: "2.0.0 2.0.0")
        let stateAfter = try shardState()
        timeline.detail("kv_shard_0 state before: \(Self.short(stateBefore))")
        timeline.detail("kv_shard_0 state after:  \(Self.short(stateAfter))")
        // 1.0.0's shard keeps entries; 2.0.0's adds their expiries (docs/example.md).
        timeline.check("the shard's state changed shape (expiries added)", !stateBefore.contains("expiries") && stateAfter.contains("expiries"))
        let versions = Set(processes().filter { $0.module == "kv_shard" }.map(\.version))
        timeline.check("every shard runs 2.0.0", versions == ["2.0.0"], "\(versions)")
        let probe = try LineConnection(port: port)
        _ = try probe.request("PUT ttl:probe kept EX 600")
        let ttl = try probe.request("TTL ttl:probe")
        timeline.check("2.0.0's new command works (PUT EX / TTL)", ttl.hasPrefix("TTL ") && (Int(ttl.dropFirst(4)) ?? 0) > 0, ttl)
    }

    /// 2. 3.0.0: its code_change throws on real data; rolled back in place.
    private func failingUpgrade(_ load: LoadClient) throws {
        timeline.say("2. relive node upgrade kv_system-3.0.0 (its code_change throws on the key num:bad)")
        let probe = try LineConnection(port: port)
        _ = try probe.request("PUT num:bad not-a-number")
        let pid = try nodePid()
        let (upgrade, step) = try underLoad(load) {
            try tool.run(["node", "upgrade", bundle("3.0.0"), "--health-window", "5s", "--root", root, "--json"], progress: progress)
        }
        timeline.check("the upgrade was refused and rolled back (exit 1)", upgrade.status == 1 && upgrade.json["outcome"] as? String == "rolled_back")
        timeline.detail("reason: \(upgrade.json["reason"] ?? upgrade.stderr)")
        report(step)
        checkKept(step, pid: pid, version: "2.0.0 2.0.0")
        let releases = try releaseStates()
        timeline.check("RELEASES: 2.0.0 permanent, 3.0.0 only unpacked", releases["2.0.0"] == "permanent" && releases["3.0.0"] == "unpacked", "\(releases)")
    }

    /// 3. 3.0.1 installs cleanly, then crash-loops under traffic: the health gate rolls it back.
    private func crashLoopingUpgrade(_ load: LoadClient) throws {
        timeline.say("3. relive node upgrade kv_system-3.0.1 (installs, then crash-loops under traffic; health window 30 s)")
        let pid = try nodePid()
        let (upgrade, step) = try underLoad(load) {
            try tool.run(["node", "upgrade", bundle("3.0.1"), "--health-window", "30s", "--max-exits", "3", "--root", root, "--json"], progress: progress)
        }
        let reason = upgrade.json["reason"] as? String ?? upgrade.stderr
        timeline.check("the health gate rolled 3.0.1 back (exit 1)", upgrade.status == 1 && reason.hasPrefix("health gate"), reason)
        report(step)
        checkKept(step, pid: pid, version: "2.0.0 2.0.0")
    }

    /// 4. `relive node rollback`: 2.0.0 -> 1.0.0 by 2.0.0's down script.
    private func rollbackOnCommand(_ load: LoadClient) throws {
        timeline.say("4. relive node rollback (2.0.0 -> 1.0.0, on command)")
        let pid = try nodePid()
        let (rollback, step) = try underLoad(load) {
            try tool.run(["node", "rollback", "--root", root, "--json"], progress: progress)
        }
        timeline.check("1.0.0 is permanent again", rollback.status == 0 && rollback.json["running"] as? String == "1.0.0",
                       rollback.status == 0 ? "" : rollback.stdout + rollback.stderr)
        timeline.detail("pause \(rollback.json["pause_ms"] ?? "?") ms for \(rollback.json["processes"] ?? "?") processes")
        report(step)
        checkKept(step, pid: pid, version: "1.0.0 1.0.0")
        let probe = try LineConnection(port: port)
        let value = try probe.request("GET ttl:probe")
        timeline.check("the key written with a TTL under 2.0.0 is kept (its expiry dropped)", value == "VALUE kept", value)
        let versions = Set(processes().filter { $0.module == "kv_shard" }.map(\.version))
        timeline.check("every shard runs 1.0.0", versions == ["1.0.0"], "\(versions)")
    }

    /// 5. SIGKILL while 2.0.0 is installed but not permanent: the watchdog
    /// boots 1.0.0 again; every acknowledged write is there.
    private func killMidUpgrade(_ load: LoadClient) throws {
        timeline.say("5. relive node upgrade kv_system-2.0.0 again, and SIGKILL of the node inside its health window")
        let before = load.counts
        load.resetMaxLatency()
        let pid = try nodePid()
        let upgrade = try tool.start(["node", "upgrade", bundle("2.0.0"), "--health-window", "120s", "--root", root])
        guard upgrade.line(containing: "health gate", progress: progress) != nil else {
            throw DemoError("the upgrade ended before its health window: \(upgrade.wait().stdout)")
        }
        timeline.check("2.0.0 runs, not yet permanent", try version() == "2.0.0 2.0.0")
        load.setKillWindow(true)
        timeline.detail("kill -KILL \(pid)")
        kill(pid_t(pid), SIGKILL)
        let ended = upgrade.wait()
        timeline.check("the upgrade command saw the node die (exit 1)", ended.status == 1, ended.stderr.split(separator: "\n").last.map(String.init) ?? "")
        let newPid = try waitForNode(notPid: pid)
        load.waitUntilAllConnected()
        load.setKillWindow(false)
        timeline.detail("the watchdog restarted the node: pid \(newPid)")
        load.sweep()
        let step = load.counts.minus(before)
        let running = try version()
        timeline.check("the node runs the permanent release, 1.0.0", running == "1.0.0 1.0.0", running)
        let releases = try releaseStates()
        timeline.check("RELEASES: 1.0.0 permanent", releases["1.0.0"] == "permanent", "\(releases)")
        report(step)
        for cost in load.killCosts.prefix(3) { timeline.detail("lost to the kill: \(cost)") }
        timeline.check("at most one request per connection was lost to the kill", step.lostToKill <= connections, "\(step.lostToKill) of \(connections) connections")
        timeline.check("every acknowledged write survived the kill", step.failed == 0, load.failures.first ?? "")
        // More reconnects than sessions: the dying node's kernel still accepted some, then reset them.
        timeline.check("every session reconnected", step.reconnects >= connections, "\(step.reconnects) reconnects")
    }

    private func summary(_ load: LoadClient) {
        let total = load.counts
        timeline.say("done: \(total.served) requests served; \(total.failed) failed; \(total.lostToKill) lost to the kill (the in-flight request of a connection the kill cut, and its session); \(total.keysVerified) key reads checked against the clients' models")
        for failure in load.failures.prefix(5) { timeline.detail("failure: \(failure)") }
        let failed = timeline.checks.filter { !$0.passed }
        timeline.say(failed.isEmpty ? "all \(timeline.checks.count) checks passed" : "\(failed.count) of \(timeline.checks.count) checks FAILED: \(failed.map(\.name).joined(separator: "; "))")
    }

    // MARK: Helpers

    /// Runs `body` (a tool command) under the load, then has every session
    /// check all its keys: the step's requests, failures and slowest reply.
    private func underLoad(_ load: LoadClient, _ body: () throws -> Tool.Output) throws -> (Tool.Output, LoadClient.Counts) {
        let before = load.counts
        load.resetMaxLatency()
        let output = try body()
        load.sweep()
        return (output, load.counts.minus(before))
    }

    private func report(_ step: LoadClient.Counts) {
        timeline.detail("during the step: \(step.served) requests served, \(step.failed) failed, \(step.keysVerified) keys read back and checked")
    }

    /// No request failed, no session was lost, the node never restarted.
    private func checkKept(_ step: LoadClient.Counts, pid: Int, version expected: String) {
        timeline.check("no request failed, every key as the clients wrote it", step.failed == 0, "")
        timeline.check("every session kept (no reconnect; session counters right)", step.reconnects == 0, "\(step.reconnects) reconnects")
        timeline.check("the node never restarted", (try? nodePid()) == pid)
        let now = (try? version()) ?? "?"
        timeline.check("VERSION says \(expected)", now == expected, now)
    }

    /// The tool's progress lines, under the step (the health window's
    /// every-two-seconds "healthy so far" left out).
    private func progress(_ line: String) {
        guard line.hasPrefix("==> "), !line.hasPrefix("==> healthy so far") else { return }
        timeline.detail(String(line.dropFirst(4)))
    }

    /// `VERSION` on a fresh connection: "<kv_front vsn> <kv_store vsn>".
    private func version() throws -> String {
        let reply = try LineConnection(port: port).request("VERSION")
        return reply.hasPrefix("VERSION ") ? String(reply.dropFirst(8)) : reply
    }

    private func nodePid() throws -> Int {
        let status = try tool.run(["node", "status", "--root", root, "--json"])
        guard let pid = status.json["pid"] as? Int else { throw DemoError("relive node status: \(status.stderr)") }
        return pid
    }

    private func waitForNode(notPid previous: Int) throws -> Int {
        for _ in 0..<600 {
            if let pid = try? nodePid(), pid != previous, (try? LineConnection(port: port)) != nil { return pid }
            usleep(100_000)
        }
        throw DemoError("the node did not come back within 60 s")
    }

    private func shardState() throws -> String {
        let state = try tool.run(["node", "state", "kv_shard_0", "--root", root])
        guard state.status == 0 else { throw DemoError("relive node state kv_shard_0: \(state.stderr)") }
        return state.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func releaseStates() throws -> [String: String] {
        let out = try tool.run(["node", "releases", "--root", root, "--json"])
        var states: [String: String] = [:]
        for row in out.json["releases"] as? [[String: Any]] ?? [] { states[row["version"] as? String ?? "?"] = row["state"] as? String }
        return states
    }

    private func processes() -> [(module: String, version: String)] {
        guard let out = try? tool.run(["node", "processes", "--root", root, "--json"]) else { return [] }
        return (out.json["processes"] as? [[String: Any]] ?? []).compactMap {
            guard let module = $0["module"] as? String, let version = $0["version"] as? String else { return nil }
            return (module, version)
        }
    }

    /// One line, at most 150 characters.
    static func short(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return flat.count <= 150 ? flat : String(flat.prefix(150)) + " …"
    }
    static func seconds(_ d: Duration) -> String { String(format: "%.1f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) }
    static func ms(_ d: Duration) -> String { String(format: "%.1f", Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15) }
}
