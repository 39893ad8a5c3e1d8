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
            let pid = (try nodeRequest(root, "ping") as? [String: Any])?["pid"] as? Int ?? 0
            _ = try nodeRequest(root, "stop")
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
}
