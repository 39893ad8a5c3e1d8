import ArgumentParser
import Foundation
import ReliveNode

/// `relive node processes`: registered name, pid, behaviour, module, version
/// and message-queue length of every behaviour or registered process.
struct NodeProcessesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "processes", abstract: "The node's processes: name, pid, behaviour, module, version, queue.")

    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node processes") {
            let rows = try nodeRequest(rootOptions.installRoot, "processes") as? [[String: Any]] ?? []
            func cell(_ value: Any?) -> String { (value as? String) ?? (value as? Int).map(String.init) ?? "-" }
            var lines = ["NAME              PID            BEHAVIOUR   MODULE            VERSION   QUEUE"]
            for row in rows {
                lines.append([cell(row["name"]).padding(toLength: 17, withPad: " ", startingAt: 0),
                              cell(row["pid"]).padding(toLength: 14, withPad: " ", startingAt: 0),
                              cell(row["behaviour"]).padding(toLength: 11, withPad: " ", startingAt: 0),
                              cell(row["module"]).padding(toLength: 17, withPad: " ", startingAt: 0),
                              cell(row["version"]).padding(toLength: 9, withPad: " ", startingAt: 0),
                              cell(row["message_queue_len"])].joined(separator: " "))
            }
            format.emit(lines.joined(separator: "\n"), json: ["processes": rows])
        }
    }
}
