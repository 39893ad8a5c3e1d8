import ArgumentParser
import Foundation
import Glibc
import ReliveNode

/// `relive node stop`: stops the node cleanly (applications in reverse order)
/// and, with it, its watchdog; returns once the node no longer answers.
struct NodeStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop the node and its watchdog.")

    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node stop") {
            let root = rootOptions.installRoot
            let pid: Int
            do {
                pid = (try nodeRequest(root, "ping") as? [String: Any])?["pid"] as? Int ?? 0
                _ = try nodeRequest(root, "stop")
            } catch let error as ToolError where error.kind == .nodeNotRunning {
                // No node answers, but a watchdog may be between two restarts:
                // SIGTERM stops it, and the node it may be starting.
                guard let heart = watchdogPid(root) else { throw error }
                kill(heart, SIGTERM)
                for _ in 0..<600 where kill(heart, 0) == 0 { usleep(50_000) }
                guard kill(heart, 0) != 0 else { throw ToolError(.failed, "watchdog pid \(heart) did not stop within 30 s") }
                format.emit("no node answered; watchdog pid \(heart) stopped", json: ["watchdog_pid": Int(heart), "stopped": true])
                return
            }
            // The watchdog sees the node's clean exit and ends too: wait for both (bounded).
            for _ in 0..<600 {
                let nodeGone = pid > 0 && kill(pid_t(pid), 0) != 0
                let heartGone = !FileManager.default.fileExists(atPath: root.heartPidFile)
                if nodeGone && heartGone {
                    format.emit("node pid \(pid) stopped", json: ["pid": pid, "stopped": true])
                    return
                }
                usleep(50_000)
            }
            throw ToolError(.failed, "node pid \(pid) did not stop within 30 s")
        }
    }

    /// The live watchdog `run/heart.pid` names, if any.
    private func watchdogPid(_ root: InstallRoot) -> pid_t? {
        guard let data = FileManager.default.contents(atPath: root.heartPidFile),
              let pid = pid_t(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
              pid > 0, kill(pid, 0) == 0 else { return nil }
        return pid
    }
}
