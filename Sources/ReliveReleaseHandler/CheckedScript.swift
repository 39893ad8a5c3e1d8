import ReliveKit
import ReliveReleases

/// A relup script the checker accepted: its instructions, typed.
public struct CheckedScript: Sendable {
    public let instructions: [RelupInstruction]
    /// Each instruction as written, for logs and errors.
    public let texts: [String]
    /// The position of `point_of_no_return`, if any.
    public let pointOfNoReturn: Int?
    /// The application versions the script loads, in order, with the SHA-256
    /// the verified manifest gives for each plugin (nil when none is known).
    public let plugins: [(application: String, version: String, path: String, sha256: String?)]
}

/// What the node layer must do after a script: Relive runs no emulator, so
/// `restart_new_emulator` / `restart_emulator` become a restart of the node
/// process through the watchdog.
public enum RestartAction: String, Sendable {
    /// `restart_new_emulator`: nothing was changed in this node; restart it
    /// on the new release (the node's boot runs the new release).
    case restartNewEmulator = "restart_new_emulator"
    /// `restart_emulator`: the script ran and was committed; restart the node.
    case restartEmulator = "restart_emulator"
}

/// Where the evaluator finds the plugin of an application version.
public typealias PluginLocator = @Sendable (_ application: String, _ version: String) -> String

extension CheckedScript {
    /// The plugin layout of an install root: `<root>/lib/<app>-<vsn>/<app>-<vsn>.so`.
    public static func installRootLocator(_ root: String) -> PluginLocator {
        { app, vsn in "\(root)/lib/\(app)-\(vsn)/\(app)-\(vsn).so" }
    }
}
