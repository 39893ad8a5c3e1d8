import ArgumentParser

/// `relive node`: make an install root, run a node (in the foreground or
/// under the watchdog), and drive it over its control socket.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a node from an install root and drive it over its control socket.",
        discussion: """
            Exit codes (every relive command): 0 success; 1 failed; 2 refused; 3 node not running; \
            64 usage error. Every command takes --root DIR (default $RELIVE_ROOT, then the current \
            folder) and --json.
            """,
        subcommands: [
            NodeInitCommand.self, NodeRunCommand.self, NodeStartCommand.self, NodeStopCommand.self,
            NodeUnpackCommand.self, NodeInstallCommand.self, NodeMakePermanentCommand.self, NodeRemoveCommand.self,
            NodeUpgradeCommand.self, NodeRollbackCommand.self,
            NodeStatusCommand.self, NodeReleasesCommand.self, NodeProcessesCommand.self,
            NodeCallCommand.self, NodeStateCommand.self, NodeMetricsCommand.self,
        ]
    )
}
