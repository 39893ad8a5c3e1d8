import ArgumentParser
import ReliveNode

/// `relive node metrics`: the node's metrics as Prometheus text.
struct NodeMetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics", abstract: "The node's metrics (Prometheus text).")

    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node metrics") {
            let text = try nodeRequest(rootOptions.installRoot, "metrics") as? String ?? ""
            format.emit(text, json: ["prometheus": text])
        }
    }
}
