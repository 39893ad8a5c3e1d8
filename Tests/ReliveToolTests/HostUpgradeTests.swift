import Foundation
import Glibc
import Testing

/// Host upgrades (OTP's `restart_new_emulator`) with the real tool, node and
/// watchdog: a release on another host boots there on trial, passes its
/// health gate and becomes permanent; a rollback returns to the old host; a
/// host that cannot boot is rolled back by the watchdog; a bundle without
/// its host is refused and leaves nothing behind.
@Suite(.serialized) struct HostUpgradeTests {
    @Test func upgradeOntoAnotherHostRollBackAndAHostThatCannotBoot() async throws {
        let fixture = NodeFixture.shared
        let root = try await fixture.root(from: "2")
        defer { _ = try? Tool.run(["node", "stop", "--root", root]) }
        let (five, six) = (try await fixture.bundle("5"), try await fixture.bundle("6"))
        let bare = try await fixture.bundle("5", host: false)
        #expect(try Tool.run(["node", "start", "--root", root]).status == 0)
        let first = try waitForNode(root: root)
        let firstPid = try #require(first["pid"] as? Int)
        #expect(first["host"] as? String == "relive-0.1.0")

        // Without its host: refused before anything ran; the unpacked release goes again.
        let refused = try Tool.run(["node", "upgrade", bare, "--health-window", "200ms", "--root", root])
        #expect(refused.status == 2, "\(refused.stdout) \(refused.stderr)")
        #expect(refused.stderr.contains("host_missing") && refused.stderr.contains("relive-0.2.0"), "\(refused.stderr)")
        #expect(try releases(root) == ["2": "permanent"])
        #expect(try waitForNode(root: root)["pid"] as? Int == firstPid)

        // With it: the node restarts on host 0.2.0, on trial, and the gate makes 5 permanent.
        let up = try Tool.run(["node", "upgrade", five, "--health-window", "1s", "--root", root])
        #expect(up.status == 0, "\(up.stdout) \(up.stderr)")
        #expect(up.stdout.contains("on host relive-0.2.0: permanent"), "\(up.stdout)")
        let onNewHost = try waitForNode(root: root, notPid: firstPid)
        let newPid = try #require(onNewHost["pid"] as? Int)
        #expect(onNewHost["host"] as? String == "relive-0.2.0")
        #expect((onNewHost["release"] as? [String: Any])?["version"] as? String == "5")
        #expect(try version(root) == "3.0.0")
        #expect(try releases(root) == ["2": "old", "5": "permanent"])
        #expect(try String(contentsOfFile: root + "/releases/start_erl.data", encoding: .utf8) == "tiny_rel 5 relive-0.2.0\n")
        #expect(!FileManager.default.fileExists(atPath: root + "/run/trial_boot"))
        let log = try String(contentsOfFile: root + "/log/node.log", encoding: .utf8)
        #expect(log.contains("trial boot of tiny_rel 5 on host relive-0.2.0"), "\(log)")

        // Rollback: no script crosses hosts, so the node reboots into 2 on the watchdog's own host.
        let back = try Tool.run(["node", "rollback", "--root", root])
        #expect(back.status == 0, "\(back.stdout) \(back.stderr)")
        let onOldHost = try waitForNode(root: root, notPid: newPid)
        let oldHostPid = try #require(onOldHost["pid"] as? Int)
        #expect(onOldHost["host"] as? String == "relive-0.1.0")
        #expect((onOldHost["release"] as? [String: Any])?["version"] as? String == "2")
        #expect(try version(root) == "2.0.0")
        #expect(try releases(root) == ["2": "permanent", "5": "old"])

        // A host that cannot boot: the trial node dies, the watchdog boots 2 again.
        let failed = try Tool.run(["node", "upgrade", six, "--health-window", "1s", "--root", root])
        #expect(failed.status == 1, "\(failed.stdout) \(failed.stderr)")
        #expect(failed.stdout.contains("rolled back") && failed.stdout.contains("relive-0.3.0 ended before 6 was made permanent"), "\(failed.stdout)")
        let after = try waitForNode(root: root, notPid: oldHostPid)
        #expect(after["host"] as? String == "relive-0.1.0")
        #expect((after["release"] as? [String: Any])?["version"] as? String == "2")
        #expect(try version(root) == "2.0.0")
        #expect(try releases(root) == ["2": "permanent", "5": "old", "6": "unpacked"])
        let history = after["upgrades"] as? [[String: Any]] ?? []
        #expect(history.last?["outcome"] as? String == "rolled_back" && history.last?["to"] as? String == "6", "\(history)")
    }
}
