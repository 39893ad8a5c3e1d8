import ArgumentParser
import ReliveNode

/// `relive node status`: release, uptime, process count, restarts, upgrade history.
struct NodeStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "The node's release, uptime, processes and upgrade history.")

    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node status") {
            let status = try nodeRequest(rootOptions.installRoot, "status") as? [String: Any] ?? [:]
            let release = status["release"] as? [String: Any]
            var lines = [
                "release: \(release?["name"] as? String ?? "none") \(release?["version"] as? String ?? "")",
                "pid: \(status["pid"] ?? "?")\((status["watchdog_pid"] as? Int).map { ", watchdog pid \($0)" } ?? ""), restarts: \(status["restarts"] ?? 0)",
                "uptime: \(String(format: "%.1f", status["uptime_seconds"] as? Double ?? 0)) s, processes: \(status["processes"] ?? 0)",
            ]
            for app in status["applications"] as? [[String: Any]] ?? [] {
                lines.append("  \(app["name"] ?? "?") \(app["version"] ?? "?") (\(app["type"] ?? "?"))")
            }
            let upgrades = status["upgrades"] as? [[String: Any]] ?? []
            lines.append("upgrades: \(upgrades.isEmpty ? "none" : "")")
            for upgrade in upgrades {
                lines.append("  \(upgrade["from"] ?? "?") -> \(upgrade["to"] ?? "?"): \(upgrade["outcome"] ?? "?"), pause \(upgrade["pause_ms"] ?? "?") ms")
            }
            format.emit(lines.joined(separator: "\n"), json: status)
        }
    }
}
