import ArgumentParser
import ReliveNode

/// `relive node state NAME`: `sys:get_state` of a registered process, in Erlang syntax.
struct NodeStateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "sys:get_state of a registered process.")

    @Argument(help: "The registered name.") var name: String
    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node state") {
            let state = try nodeRequest(rootOptions.installRoot, "state", ["name": name]) as? String ?? ""
            format.emit(state, json: ["state": state])
        }
    }
}
