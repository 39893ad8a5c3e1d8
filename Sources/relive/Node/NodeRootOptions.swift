import ArgumentParser
import ReliveNode

/// `--root DIR` of every node command: the install root, defaulting to
/// `$RELIVE_ROOT`, then the current folder.
struct NodeRootOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The install root (default: $RELIVE_ROOT, then the current folder).", valueName: "DIR"))
    var root: String?

    var installRoot: InstallRoot { InstallRoot.resolve(root) }
}

extension ToolError {
    /// The tool's error for a node error (same kinds, one exit-code map).
    init(_ error: NodeError) {
        switch error.kind {
        case .usage: self.init(.usage, error.message)
        case .refused: self.init(.refused, error.message)
        case .failed: self.init(.failed, error.message)
        case .notRunning: self.init(.nodeNotRunning, error.message)
        }
    }
}

/// One request to the node of an install root; node errors become tool errors.
/// Progress lines of long operations go to `progress`.
func nodeRequest(_ root: InstallRoot, _ op: String, _ args: [String: String] = [:], timeout: Int = 120,
                 progress: (String) -> Void = { _ in }) throws -> Any {
    do { return try ControlClient.request(root: root, op, args, timeout: timeout, progress: progress) } catch { throw ToolError(error) }
}
