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
    static func boot(root: InstallRoot, node: Node, code: CodeServer, from process: LocalProcess) async throws -> BootedRelease {
        let report: ReleaseBoot.Report
        do {
            let handler = try ReleaseHandler(node: node, code: code, configuration: .init(root: root.path))
            report = try await ReleaseBoot.boot(handler, node: node, code: code, from: process)
        } catch {
            throw NodeError(.failed, "boot: \(error)")
        }
        let relFile = root.releaseDirectory(report.vsn) + "/\(report.name).rel"
        let spec = try? ReleaseSpec.read(path: relFile)
        return BootedRelease(name: report.name, vsn: report.vsn, applications: report.started.map { name in
            let app = spec?.application(name)
            return (name, app?.vsn ?? "?", app.map { $0.startType.rawValue } ?? "?")
        })
    }
}
