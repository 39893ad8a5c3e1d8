import Foundation
import ReliveCodeServer
import ReliveKit
import ReliveReleases
import ReliveRuntime

/// Boots an install root's permanent release into a node: loads each
/// application's plugin from `lib/<app>-<vsn>/`, reads its `.app` and the
/// release's `sys.config`, and starts the applications in the `.rel`'s order
/// with their start types.
///
/// The one place the node boots: when the release handler's boot lands it
/// replaces this function's body, and nothing else changes.
enum NodeBoot {
    /// - Throws: ``NodeError`` (`failed`) naming the file or application at fault;
    ///   applications already started are left for the node's shutdown to stop.
    static func boot(root: InstallRoot, node: Node, code: CodeServer, from process: LocalProcess) async throws -> BootedRelease {
        let permanent = try root.permanentRelease()
        let relFile = root.releaseDirectory(permanent.vsn) + "/\(permanent.name).rel"
        let spec: ReleaseSpec
        do { spec = try ReleaseSpec.read(path: relFile) } catch { throw NodeError(.failed, "\(relFile): \(error)") }
        let configFile = root.releaseDirectory(permanent.vsn) + "/sys.config"
        let config: SysConfig?
        if FileManager.default.fileExists(atPath: configFile) {
            do { config = try SysConfig.read(path: configFile) } catch { throw NodeError(.failed, "\(configFile): \(error)") }
        } else {
            config = nil
        }
        var started: [(name: Atom, vsn: String, type: String)] = []
        for app in spec.applications {
            let dir = root.applicationDirectory(app.name.name, app.vsn)
            let appFile = dir + "/\(app.name.name).app"
            let resource: ApplicationResource
            do { resource = try ApplicationResource.read(path: appFile) } catch { throw NodeError(.failed, "\(appFile): \(error)") }
            let plugin = dir + "/" + PluginBuilder.fileName(application: app.name.name, version: app.vsn)
            if FileManager.default.fileExists(atPath: plugin) {
                do { try code.load(pluginAt: plugin) } catch { throw NodeError(.failed, "\(plugin): \(error)") }
            }
            var environment: [Atom: Term] = [:]
            for pair in resource.env { environment[pair.key] = pair.value }
            for pair in config?.environment(of: app.name) ?? [] { environment[pair.key] = pair.value }
            let appSpec = ApplicationSpec(
                name: resource.name, version: resource.vsn, description: resource.description,
                modules: resource.modules, registered: resource.registered, applications: resource.applications,
                start: resource.mod.map { ($0.module, $0.args) }, environment: environment)
            do { try node.applications.load(appSpec) } catch { throw NodeError(.failed, "load \(app.name.name): \(error)") }
            let type: ApplicationType
            switch app.startType {
            case .load, .none: continue
            case .permanent: type = .permanent
            case .transient: type = .transient
            case .temporary: type = .temporary
            }
            do { try await node.applications.start(app.name, type: type, from: process) } catch {
                throw NodeError(.failed, "start \(app.name.name) \(app.vsn): \(error)")
            }
            started.append((app.name, app.vsn, type.rawValue))
        }
        return BootedRelease(name: spec.name, vsn: spec.vsn, applications: started)
    }
}
