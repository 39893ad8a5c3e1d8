import ArgumentParser
import Foundation
import ReliveNode

/// `relive node start --root DIR`: starts the node in the background under the
/// watchdog (`relive-heart`) and returns once the node answers.
struct NodeStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start the node in the background under the watchdog; return once it answers.")

    @Option(name: .customLong("heartbeat-timeout"), help: "Seconds without a heartbeat before the watchdog restarts the node.")
    var heartbeatTimeout: Double = 10
    @Option(name: .customLong("max-restarts"), help: "Restarts within --restart-period before the watchdog gives up.")
    var maxRestarts = 5
    @Option(name: .customLong("restart-period"), help: "Seconds over which --max-restarts counts.")
    var restartPeriod: Double = 60
    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node start") {
            let root = rootOptions.installRoot
            if let pid = (try? nodeRequest(root, "ping") as? [String: Any])?["pid"] {
                throw ToolError(.refused, "a node already runs on \(root.path) (pid \(pid))")
            }
            let tool = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            let heart = tool.deletingLastPathComponent().appendingPathComponent("relive-heart").path
            guard FileManager.default.isExecutableFile(atPath: heart) else {
                throw ToolError(.failed, file: heart, "the watchdog is not installed beside relive")
            }
            try FileManager.default.createDirectory(atPath: root.logDirectory, withIntermediateDirectories: true)
            let logPath = root.logDirectory + "/node.log"
            if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
            guard let log = FileHandle(forWritingAtPath: logPath) else { throw ToolError(.failed, file: logPath, "cannot write") }
            log.seekToEndOfFile()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: heart)
            process.arguments = [
                "--root", root.path, "--detach", "--heartbeat-timeout", "\(heartbeatTimeout)",
                "--max-restarts", "\(maxRestarts)", "--restart-period", "\(restartPeriod)",
                "--", tool.path, "node", "run", "--root", root.path,
            ]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = log
            process.standardError = log
            try process.run()
            format.progress("watchdog pid \(process.processIdentifier), log \(logPath); waiting for the node")
            // Bounded wait for the node's first answer (boot loads every plugin).
            for _ in 0..<600 {
                if let reply = try? nodeRequest(root, "ping") as? [String: Any], let pid = reply["pid"] as? Int {
                    format.emit("node pid \(pid) runs on \(root.path) under watchdog pid \(process.processIdentifier)",
                                json: ["pid": pid, "watchdog_pid": Int(process.processIdentifier), "root": root.path])
                    return
                }
                if !process.isRunning {
                    throw ToolError(.failed, file: logPath, "the watchdog exited (status \(process.terminationStatus)) before the node answered")
                }
                usleep(100_000)
            }
            throw ToolError(.failed, file: logPath, "the node did not answer within 60 s")
        }
    }
}
