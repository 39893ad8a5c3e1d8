import Foundation
import ReliveCodeServer
import ReliveKit
import ReliveReleaseHandler
import ReliveReleases
import ReliveRuntime

/// Boots an install root's permanent release into a node through the
/// release handler's boot (``ReleaseBoot``): plugins, `sys.config`,
/// applications in dependency order with their start types, RELEASES
/// brought in line with what booted.
enum NodeBoot {
    /// - Throws: ``NodeError`` (`failed`) naming the file or application at fault;
    ///   applications already started are left for the node's shutdown to stop.
    /// - Returns: what booted, and the root's release handler (which the node
    ///   keeps for its release operations).
    /// - Parameters:
    ///   - host: the host this node runs as (``ReliveHost``).
    ///   - trial: the release to boot once instead of the permanent one (``TrialBoot``).
    static func boot(root: InstallRoot, node: Node, code: CodeServer, host: String, trial: String?,
                     from process: LocalProcess) async throws -> (BootedRelease, ReleaseHandler) {
        let report: ReleaseBoot.Report
        let handler: ReleaseHandler
        do {
            var configuration = ReleaseHandler.Configuration(root: root.path)
            configuration.trustedKeys = try root.trustedKeys()
            configuration.hostVersion = host
            handler = try ReleaseHandler(node: node, code: code, configuration: configuration)
            report = try await ReleaseBoot.boot(handler, node: node, code: code, from: process, trial: trial)
        } catch {
            throw NodeError(.failed, "boot: \(error)")
        }
        return (BootedRelease(root: root, name: report.name, vsn: report.vsn, started: report.started), handler)
    }
}
