import ArgumentParser
import ReliveNode

/// `relive node call NAME TERM`: a gen_server call to a registered process;
/// the reply printed in Erlang syntax.
struct NodeCallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "call", abstract: "gen_server:call a registered process; print the reply.")

    @Argument(help: "The registered name.") var name: String
    @Argument(help: "The request, in Erlang syntax (e.g. get or '{add, 3}').") var term: String
    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node call") {
            let reply = try nodeRequest(rootOptions.installRoot, "call", ["name": name, "term": term]) as? String ?? ""
            format.emit(reply, json: ["reply": reply])
        }
    }
}
