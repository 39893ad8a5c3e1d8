import ArgumentParser
import ReliveNode

/// `relive node releases`: name, version and state of every release of the node.
struct NodeReleasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "releases", abstract: "Every release of the node: name, version, state.")

    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node releases") {
            let releases = try nodeRequest(rootOptions.installRoot, "releases") as? [[String: Any]] ?? []
            let lines = releases.map { "\($0["name"] ?? "?") \($0["version"] ?? "?") \($0["state"] ?? "?")" }
            format.emit(lines.joined(separator: "\n"), json: ["releases": releases])
        }
    }
}
