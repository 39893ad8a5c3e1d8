import Foundation
import Glibc
import Testing

/// Upgrades of a running node with the real tool: the health gate, rollback,
/// a SIGKILL mid-upgrade, and the crash consistency of every release-handler
/// step. One node per test, driven the way a user's script would.
@Suite(.serialized) struct NodeUpgradeTests {
    @Test func upgradeFailedUpgradeHealthGateRollbackAndKillMidUpgrade() async throws {
        let fixture = NodeFixture.shared
        let root = try await fixture.root(from: "1")
        defer { _ = try? Tool.run(["node", "stop", "--root", root]) }
        let (two, three, four) = (try await fixture.bundle("2"), try await fixture.bundle("3"), try await fixture.bundle("4"))
        let unsigned = try await fixture.bundle("2", signed: false)

        #expect(try Tool.run(["node", "start", "--root", root]).status == 0)
        let pid = try #require(try waitForNode(root: root)["pid"] as? Int)

        // Unsigned: refused (exit 2) and nothing unpacked, unless allowed, which is said.
        let refused = try Tool.run(["node", "unpack", unsigned, "--root", root])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("not signed by a trusted key"), "\(refused.stderr)")
        #expect(try releases(root) == ["1": "permanent"])
        let allowed = try Tool.run(["node", "unpack", unsigned, "--allow-unsigned", "--root", root])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.contains("UNSIGNED"))
        #expect(try Tool.run(["node", "remove", "2", "--root", root]).status == 0)
        #expect(try releases(root) == ["1": "permanent"])

        // 1 -> 2: healthy through the window, made permanent.
        let up = try Tool.run(["node", "upgrade", two, "--health-window", "300ms", "--root", root, "--json"])
        #expect(up.status == 0, "\(up.stderr)")
        let upReport = try json(up.stdout)
        #expect(upReport["outcome"] as? String == "permanent")
        #expect((upReport["install"] as? [String: Any])?["processes"] as? Int == 2)   // tiny and tiny_sup
        #expect(try version(root) == "2.0.0")
        #expect(try releases(root) == ["1": "old", "2": "permanent"])

        // 2 -> 3: code_change throws; rolled back in place, the node never restarts.
        let failing = try Tool.run(["node", "upgrade", three, "--health-window", "300ms", "--root", root])
        #expect(failing.status == 1, "\(failing.stdout) \(failing.stderr)")
        #expect(failing.stdout.contains("rolled back: install failed"), "\(failing.stdout)")
        #expect(failing.stdout.contains("badState"), "\(failing.stdout)")
        #expect(try version(root) == "2.0.0")
        #expect(try releases(root) == ["1": "old", "2": "permanent", "3": "unpacked"])

        // 2 -> 4: installs, then crash-loops under traffic: the health gate rolls it back.
        let gated = try Background(["node", "upgrade", four, "--health-window", "60s", "--max-exits", "2", "--root", root])
        _ = try gated.stderr.line(containing: "health gate")
        #expect(try version(root) == "4.0.0")
        _ = try Tool.run(["node", "call", "tiny", "crash", "--root", root])   // the traffic that starts the loop
        let gatedEnd = gated.wait()
        #expect(gatedEnd.status == 1, "\(gatedEnd.stdout)")
        #expect(gatedEnd.stdout.contains("rolled back: health gate: "), "\(gatedEnd.stdout)")
        #expect(gatedEnd.stdout.contains("more than 2 allowed"), "\(gatedEnd.stdout)")
        // In place, unless the downgrade raced a crash (then the node restarted into 2: said in the output).
        let after = try waitForNode(root: root)
        #expect((after["release"] as? [String: Any])?["version"] as? String == "2")
        #expect(gatedEnd.stdout.contains("restarts into") || after["pid"] as? Int == pid)
        #expect(try version(root) == "2.0.0")
        #expect(try releases(root)["2"] == "permanent")
        #expect(try releases(root)["4"] == "unpacked")

        // rollback on command: 2 -> 1 by 2's down script, permanent.
        let back = try Tool.run(["node", "rollback", "--root", root])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(try version(root) == "1.0.0")
        #expect(try releases(root)["1"] == "permanent")
        #expect(try releases(root)["2"] == "old")
        let history = try waitForNode(root: root)["upgrades"] as? [[String: Any]] ?? []
        #expect(history.compactMap { $0["outcome"] as? String }.suffix(2) == ["rolled_back", "rolled_back"])
        // The same history as Prometheus text, through swift-metrics.
        let metrics = try Tool.run(["node", "metrics", "--root", root]).stdout
        #expect(metrics.contains("relive_upgrade_pause_seconds"), "\(metrics)")
        #expect(metrics.contains("relive_rollbacks_total{reason=\"health_gate\"} 1"), "\(metrics)")
        #expect(metrics.contains("relive_rollbacks_total{reason=\"install_failed\"} 1"), "\(metrics)")
        #expect(metrics.contains("relive_rollbacks_total{reason=\"command\"} 1"), "\(metrics)")
        #expect(metrics.contains("relive_upgrade_step_seconds"), "\(metrics)")

        // SIGKILL while 2 is installed but not permanent: the watchdog boots 1 again.
        let current = try #require(try waitForNode(root: root)["pid"] as? Int)
        let killed = try Background(["node", "upgrade", two, "--health-window", "60s", "--root", root])
        _ = try killed.stderr.line(containing: "health gate")
        #expect(try version(root) == "2.0.0")
        #expect(kill(pid_t(current), SIGKILL) == 0)
        let killedEnd = killed.wait()
        #expect(killedEnd.status == 1)
        let restarted = try waitForNode(root: root, notPid: current)
        #expect((restarted["release"] as? [String: Any])?["version"] as? String == "1")
        #expect(try version(root) == "1.0.0")
        #expect(try releases(root)["1"] == "permanent")
        #expect(try releases(root)["2"] == "unpacked")
        // ... and the next attempt is not blocked by the leftover.
        let retry = try Tool.run(["node", "upgrade", two, "--health-window", "300ms", "--root", root])
        #expect(retry.status == 0, "\(retry.stdout) \(retry.stderr)")
        #expect(try version(root) == "2.0.0")
    }

    /// `rollback` to a release no script reaches (OTP's reboot_old_release):
    /// it is made permanent and the node restarts into it, the watchdog
    /// booting it at once (exit 75, not counted as a failure).
    @Test func rollbackWithoutAScriptRestartsTheNodeIntoTheOldRelease() async throws {
        let fixture = NodeFixture.shared
        let root = try await fixture.root(from: "1")
        defer { _ = try? Tool.run(["node", "stop", "--root", root]) }
        let (two, four) = (try await fixture.bundle("2"), try await fixture.bundle("4"))
        #expect(try Tool.run(["node", "start", "--root", root]).status == 0)
        for bundle in [two, four] {
            let up = try Tool.run(["node", "upgrade", bundle, "--health-window", "200ms", "--root", root])
            #expect(up.status == 0, "\(up.stdout) \(up.stderr)")
        }
        #expect(try releases(root) == ["1": "old", "2": "old", "4": "permanent"])
        let pid = try #require(try waitForNode(root: root)["pid"] as? Int)

        // 4's relup starts from 2 only: nothing leads from 4 to 1.
        let back = try Tool.run(["node", "rollback", "1", "--root", root])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout.contains("the node restarts into it"), "\(back.stdout)")
        let restarted = try waitForNode(root: root, notPid: pid)
        #expect((restarted["release"] as? [String: Any])?["version"] as? String == "1")
        #expect(restarted["restarts"] as? Int == 1)
        #expect(try version(root) == "1.0.0")
        #expect(try releases(root)["1"] == "permanent")
        let log = try String(contentsOfFile: root + "/log/node.log", encoding: .utf8)
        #expect(log.contains("asked to be restarted\n"), "\(log)")
    }

    /// OTP's promise, checked by killing the node (SIGKILL, through the
    /// `RELIVE_TEST_KILL_AT` hook) between the writes of every step of
    /// unpack, install and make_permanent: restarted by the watchdog, it runs
    /// a release RELEASES agrees with, and the upgrade can be done again.
    @Test(arguments: [
        ("unpack:files_in_place", "1"), ("install:code_changed", "1"),
        ("boot_file_written", "2"), ("releases_written", "1"),
    ])
    func nodeKilledAtAStepBootsAConsistentRelease(step: String, expected: String) async throws {
        let root = try await NodeFixture.shared.root(from: "1")
        defer { _ = try? Tool.run(["node", "stop", "--root", root]) }
        let two = try await NodeFixture.shared.bundle("2")
        #expect(try Tool.run(["node", "start", "--root", root], environment: ["RELIVE_TEST_KILL_AT": step]).status == 0)
        let first = try #require(try waitForNode(root: root)["pid"] as? Int)

        // The steps, until the one that kills the node (a failed request).
        var died = false
        for command in [["unpack", two], ["install", "2"], ["make-permanent", "2"]] where !died {
            died = try Tool.run(["node"] + command + ["--root", root]).status != 0
        }
        #expect(died, "the node was to die at \(step)")
        let restarted = try waitForNode(root: root, notPid: first)
        let running = (restarted["release"] as? [String: Any])?["version"] as? String
        #expect(running == expected, "\(step)")
        let states = try releases(root)
        #expect(states[expected] == "permanent", "\(step): \(states)")
        #expect(states.values.filter { $0 == "permanent" }.count == 1, "\(step): \(states)")
        #expect(states.values.filter { $0 == "current" }.isEmpty, "\(step): \(states)")
        let bootFile = try String(contentsOfFile: root + "/releases/start_erl.data", encoding: .utf8)
        #expect(bootFile == "tiny_rel \(expected) relive-0.1.0\n", "\(step)")

        // Whatever was left, the upgrade goes through now (the hook fires once).
        if expected == "1" {
            let retry = try Tool.run(["node", "upgrade", two, "--health-window", "200ms", "--root", root])
            #expect(retry.status == 0, "\(step): \(retry.stdout) \(retry.stderr)")
        }
        #expect(try version(root) == "2.0.0")
    }
}

/// `tiny`'s code version, by a real call.
func version(_ root: String) throws -> String {
    let call = try Tool.run(["node", "call", "tiny", "version", "--root", root])
    return call.stdout.trimmingCharacters(in: CharacterSet(charactersIn: "\"\n"))
}

/// The root's releases and their states, from `relive node releases --json`.
func releases(_ root: String) throws -> [String: String] {
    let out = try Tool.run(["node", "releases", "--root", root, "--json"])
    guard out.status == 0 else { throw FixtureError("node releases: exit \(out.status): \(out.stderr)") }
    let rows = try json(out.stdout)["releases"] as? [[String: Any]] ?? []
    var states: [String: String] = [:]
    for row in rows { states[row["version"] as? String ?? "?"] = row["state"] as? String }
    return states
}

private func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

/// The tool running in the background: its progress (standard error) read as
/// it comes, its standard output collected at the end.
private final class Background {
    let process = Process()
    let stderr: LineReader
    private let out = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: Tool.executable)
        process.arguments = arguments
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        stderr = LineReader(err.fileHandleForReading)
        try process.run()
    }

    func wait() -> Tool.Output {
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Tool.Output(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self),
                           stderr: stderr.seen.joined(separator: "\n"))
    }
}
