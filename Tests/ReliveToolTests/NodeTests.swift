import Foundation
import Glibc
import Testing

/// The node end to end: real tool, real node and watchdog processes, each in
/// its own install root. Synchronised on the node answering its socket and on
/// the watchdog's output lines.
@Suite(.serialized) struct NodeTests {
    @Test func bootsServesAndSurvivesSigkillUnderTheWatchdog() async throws {
        let root = try await NodeFixture.shared.root(from: "1")
        defer { _ = try? Tool.run(["node", "stop", "--root", root]) }

        let start = try Tool.run(["node", "start", "--root", root, "--json"])
        #expect(start.status == 0, "\(start.stderr)")
        let status = try waitForNode(root: root)
        #expect((status["release"] as? [String: Any])?["version"] as? String == "1")
        // `relive node run` installs the scheduler as the default executor first.
        #expect(status["default_executor"] as? Bool == true)
        let firstPid = try #require(status["pid"] as? Int)

        let call = try Tool.run(["node", "call", "tiny", "version", "--root", root])
        #expect(call.status == 0, "\(call.stderr)")
        #expect(call.stdout.contains("1.0.0"))
        let state = try Tool.run(["node", "state", "tiny", "--root", root])
        #expect(state.stdout == "0\n", "\(state.stdout) \(state.stderr)")
        let releases = try Tool.run(["node", "releases", "--root", root])
        #expect(releases.stdout == "tiny_rel 1 permanent\n")
        let processes = try Tool.run(["node", "processes", "--root", root, "--json"])
        let rows = (try JSONSerialization.jsonObject(with: Data(processes.stdout.utf8)) as? [String: Any])?["processes"] as? [[String: Any]]
        let tiny = try #require(rows?.first { $0["name"] as? String == "tiny" })
        #expect(tiny["module"] as? String == "tiny")
        #expect(tiny["version"] as? String == "1.0.0")
        #expect(tiny["behaviour"] as? String == "gen_server")
        let metrics = try Tool.run(["node", "metrics", "--root", root])
        #expect(metrics.stdout.contains("relive_node_processes"))

        // Another user: first the 0700 directory keeps it out; with the modes
        // loosened (a misconfiguration), SO_PEERCRED still refuses it.
        let asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Tool.executable, "node", "status", "--root", root]
        let denied = try runCommand(asNobody)
        #expect(denied.status == 2, "\(denied.stderr)")
        #expect(denied.stderr.contains("permission denied"))
        #expect(chmod(root + "/run", 0o711) == 0 && chmod(root + "/run/control.sock", 0o666) == 0)
        let refused = try runCommand(asNobody)
        #expect(chmod(root + "/run", 0o700) == 0 && chmod(root + "/run/control.sock", 0o600) == 0)
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("uid 65534 is not this node's owner"), "\(refused.stderr)")

        // SIGKILL: the watchdog restarts the node on the permanent release.
        #expect(kill(pid_t(firstPid), SIGKILL) == 0)
        let restarted = try waitForNode(root: root, notPid: firstPid)
        #expect(restarted["restarts"] as? Int == 1)
        #expect((restarted["release"] as? [String: Any])?["version"] as? String == "1")

        // Stop: node and watchdog end; then nothing answers (exit 3).
        let stop = try Tool.run(["node", "stop", "--root", root])
        #expect(stop.status == 0, "\(stop.stderr)")
        let after = try Tool.run(["node", "status", "--root", root])
        #expect(after.status == 3)
    }

    @Test func hungNodeIsKilledAndRestartedByTheWatchdog() async throws {
        let root = try await NodeFixture.shared.root(from: "1")
        let heart = Process()
        heart.executableURL = URL(fileURLWithPath: (Tool.executable as NSString).deletingLastPathComponent + "/relive-heart")
        heart.arguments = ["--root", root, "--heartbeat-timeout", "1", "--", Tool.executable, "node", "run", "--root", root]
        let out = Pipe()
        heart.standardOutput = out
        heart.standardError = FileHandle.nullDevice
        try heart.run()
        let lines = LineReader(out.fileHandleForReading)
        defer { if heart.isRunning { kill(heart.processIdentifier, SIGKILL) } }

        _ = try lines.line(containing: "started node pid")
        let first = try #require(try waitForNode(root: root)["pid"] as? Int)
        // A hung node: stopped, it sends no heartbeat.
        #expect(kill(pid_t(first), SIGSTOP) == 0)
        let killed = try lines.line(containing: "sent no heartbeat")
        #expect(killed.contains("pid \(first)"))
        _ = try lines.line(containing: "restarting in")
        let second = try waitForNode(root: root, notPid: first)
        #expect(second["restarts"] as? Int == 1)

        // SIGTERM to the watchdog stops the node cleanly, then the watchdog.
        #expect(kill(heart.processIdentifier, SIGTERM) == 0)
        _ = try lines.line(containing: "exiting")
        heart.waitUntilExit()
        #expect(heart.terminationStatus == 0)
    }
}

/// Runs any command (here: the tool as another user) and waits for it.
func runCommand(_ command: [String]) throws -> Tool.Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    process.currentDirectoryURL = URL(fileURLWithPath: "/")
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let errorData = err.fileHandleForReading.readDataToEndOfFile()
    let outputData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Tool.Output(status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
                       stderr: String(decoding: errorData, as: UTF8.self))
}
