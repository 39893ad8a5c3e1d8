import ArgumentParser
import Foundation
import ReliveNode

/// `relive node unpack BUNDLE`: verify and unpack a bundle into the running
/// node's root (the release is then `unpacked`).
struct NodeUnpackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unpack", abstract: "Verify and unpack a release bundle into the node's root.")

    @Argument(help: "The release bundle.") var bundle: String
    @Flag(name: .customLong("allow-unsigned"), help: "Accept a bundle that no trusted key signed (said in the output).")
    var allowUnsigned = false
    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node unpack") {
            format.progress("verifying and unpacking \(bundle)")
            var args = ["bundle": absolute(bundle)]
            if allowUnsigned { args["allow_unsigned"] = "true" }
            let result = try nodeRequest(rootOptions.installRoot, "unpack", args) as? [String: Any] ?? [:]
            let signed = result["signed"] as? Bool ?? false
            format.emit("\(result["name"] ?? "?") \(result["version"] ?? "?") unpacked\(signed ? " (signature verified)" : " (UNSIGNED: accepted because of --allow-unsigned)")",
                        json: result)
        }
    }
}

/// `relive node install VSN`: run the script from the running release to VSN
/// (a downgrade when VSN is older) as one transaction; VSN then runs but is
/// not permanent until `make-permanent` (a node restart boots the permanent one).
struct NodeInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "install", abstract: "Install an unpacked release on the running node (not yet permanent).")

    @Argument(help: "The release version.") var version: String
    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node install") {
            let result = try nodeRequest(rootOptions.installRoot, "install", ["version": version], progress: format.progress) as? [String: Any] ?? [:]
            format.emit(NodeUpgradeText.install(result), json: result)
        }
    }
}

/// `relive node make-permanent VSN`: the running release becomes the one the node boots.
struct NodeMakePermanentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "make-permanent", abstract: "Make the running release the one the node boots.")

    @Argument(help: "The release version (the running one).") var version: String
    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node make-permanent") {
            let result = try nodeRequest(rootOptions.installRoot, "make_permanent", ["version": version]) as? [String: Any] ?? [:]
            format.emit("\(version) is permanent", json: result)
        }
    }
}

/// `relive node remove VSN`: forget an unpacked or old release and remove its files.
struct NodeRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove an unpacked or old release from the node's root.")

    @Argument(help: "The release version.") var version: String
    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node remove") {
            let result = try nodeRequest(rootOptions.installRoot, "remove", ["version": version]) as? [String: Any] ?? [:]
            format.emit("\(version) removed", json: result)
        }
    }
}

/// `relive node upgrade BUNDLE [--health-window DURATION]`: verify, unpack and
/// install, then watch the new release; healthy, it is made permanent;
/// unhealthy, the node downgrades itself to the release it ran before.
/// Exit 0 when the new release is permanent, 1 when it was rolled back
/// (the reason printed), 2 when it was refused before anything ran.
struct NodeUpgradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Upgrade the running node from a bundle, behind a health gate.",
        discussion: """
            Unhealthy means, within the window: more than --max-exits child exits reported by \
            supervisors, a supervisor that reached its restart intensity, or an application that \
            ended. A node that dies in the window is restarted by its watchdog on the permanent \
            (previous) release. Exit 0: permanent; 1: rolled back (reason printed); 2: refused.
            """)

    @Argument(help: "The release bundle.") var bundle: String
    @Option(name: .customLong("health-window"), help: "How long the new release must stay healthy (10s, 500ms, 2m; default 10s).")
    var healthWindow: String = "10s"
    @Option(name: .customLong("max-exits"), help: "Child exits the window tolerates.")
    var maxExits = 3
    @Flag(name: .customLong("allow-unsigned"), help: "Accept a bundle that no trusted key signed (said in the output).")
    var allowUnsigned = false
    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node upgrade") {
            guard let window = ToolDuration.seconds(healthWindow) else {
                throw ToolError(.usage, "--health-window \(healthWindow): give a duration such as 10s, 500ms or 2m")
            }
            guard maxExits >= 0 else { throw ToolError(.usage, "--max-exits must be 0 or more") }
            var args = ["bundle": absolute(bundle), "health_window": "\(window)", "max_exits": "\(maxExits)"]
            if allowUnsigned { args["allow_unsigned"] = "true" }
            var result = try nodeRequest(rootOptions.installRoot, "upgrade", args, timeout: Int(window) + 300,
                                         progress: format.progress) as? [String: Any] ?? [:]
            var outcome = result["outcome"] as? String ?? "?"
            let from = result["from"] ?? "?", to = result["to"] ?? "?"
            if outcome == "restarting", let oldPid = result["pid"] as? Int {
                // Another host: the release boots on trial there and runs its gate.
                let trial = try awaitTrial(of: "\(to)", on: rootOptions.installRoot, replacing: oldPid, window: window)
                result["trial"] = trial
                let last = trial["last"] as? [String: Any] ?? [:]
                outcome = last["to"] as? String == "\(to)" ? last["outcome"] as? String ?? "?" : "?"
                result["outcome"] = outcome
                result["running"] = trial["running"]
                if outcome == "permanent" {
                    format.emit("upgraded \(from) -> \(to) on host \(trial["host"] ?? "?"): permanent (node pid \(trial["pid"] ?? "?"), restarted on the new host)", json: result)
                    return
                }
                result["reason"] = last["reason"] ?? "the node that booted after the trial reports no outcome"
            }
            if outcome == "permanent" {
                let install = result["install"] as? [String: Any] ?? [:]
                format.emit("upgraded \(from) -> \(to): permanent (pause \(install["pause_ms"] ?? "?") ms, \(install["processes"] ?? "?") processes changed)", json: result)
            } else {
                format.emit("upgrade \(from) -> \(to) rolled back: \(result["reason"] ?? "?"); running \(result["running"] ?? "?")", json: result)
                throw ExitCode(ToolExit.failed)
            }
        }
    }
}

/// Waits for the outcome of a trial boot on another host: the node that
/// answers after `oldPid` (the trial node once its gate is over, or, when
/// the trial died, the node the watchdog booted after it) reports it.
/// Connection failures while the nodes restart are retried, for at most the
/// window plus two minutes.
private func awaitTrial(of vsn: String, on root: InstallRoot, replacing oldPid: Int, window: Double) throws -> [String: Any] {
    let deadline = Date().addingTimeInterval(window + 120)
    var outcome: [String: Any]?
    while Date() < deadline {
        if let reply = try? nodeRequest(root, "upgrade_outcome", [:], timeout: Int(window) + 120) as? [String: Any],
           let pid = reply["pid"] as? Int, pid != oldPid {
            outcome = reply
            let last = reply["last"] as? [String: Any]
            // The trial node reports its gate; when it failed, that node
            // restarts, and the next one's record says so as well: either will do.
            if last?["to"] as? String == vsn, last?["outcome"] as? String != "restarting" { return reply }
        }
        usleep(200_000)
    }
    if let outcome { return outcome }
    throw ToolError(.failed, "no node answered on the root within \(Int(window) + 120) s of the restart onto the new host")
}

/// `relive node rollback [VSN]`: back to the previous permanent release (or
/// VSN): the installed-but-not-permanent one is downgraded to the permanent
/// one, else the newest old release is installed by the down script and made
/// permanent — or, with no script, the node restarts into it.
struct NodeRollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rollback", abstract: "Go back to the previous permanent release.")

    @Argument(help: "The release to go back to (default: the previous permanent one).") var version: String?
    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node rollback") {
            let args = version.map { ["version": $0] } ?? [:]
            let result = try nodeRequest(rootOptions.installRoot, "rollback", args, progress: format.progress) as? [String: Any] ?? [:]
            if result["outcome"] as? String == "restarting" {
                format.emit("rolling back \(result["from"] ?? "?") -> \(result["to"] ?? "?"): the node restarts into it (no downgrade script)", json: result)
            } else {
                format.emit("rolled back \(result["from"] ?? "?") -> \(result["running"] ?? "?"): permanent, pause \(result["pause_ms"] ?? "?") ms", json: result)
            }
        }
    }
}

/// Texts shared by the release commands.
enum NodeUpgradeText {
    static func install(_ result: [String: Any]) -> String {
        let verb = result["downgrade"] as? Bool == true ? "downgraded" : "installed"
        return "\(verb) \(result["from"] ?? "?") -> \(result["to"] ?? "?") (not yet permanent): \(result["processes"] ?? "?") processes changed, pause \(result["pause_ms"] ?? "?") ms"
    }
}

/// A path made absolute against the tool's current folder (the node's is its root).
func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}
