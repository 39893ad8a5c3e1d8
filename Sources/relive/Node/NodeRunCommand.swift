import ArgumentParser
import Glibc
import Logging
import ReliveNode

/// `relive node run --root DIR`: runs the node in the foreground, booting the
/// install root's permanent release; SIGTERM or SIGINT stops it cleanly.
struct NodeRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a node in the foreground (the watchdog runs this).",
        discussion: "Exit status: 0 stopped on request (stop, SIGTERM); 1 boot failed or the node halted (a permanent application ended); 75 asks the watchdog to boot it again at once (a rollback into an old release, or a release to boot on trial, on its host).")

    @OptionGroup var rootOptions: NodeRootOptions
    @Flag(help: "Boot the trial boot the watchdog started (run/trial_boot: a release on another host) instead of the permanent release.")
    var trial = false

    func run() async throws {
        // A write to a closed watchdog pipe or socket must be an error, not the node's end.
        signal(SIGPIPE, SIG_IGN)
        var logger = Logger(label: "relive-node")
        logger.logLevel = .notice
        let root = rootOptions.installRoot
        try await ToolExit.run("node run") {
            do {
                try await NodeService.runNode(root: root, logger: logger, trial: trial)
            } catch is NodeService.RestartRequested {
                throw ExitCode(NodeService.restartStatus)
            } catch let error as NodeError {
                throw ToolError(error)
            }
        }
    }
}
