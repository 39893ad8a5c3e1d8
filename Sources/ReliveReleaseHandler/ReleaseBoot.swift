import Foundation
import Logging
import ReliveCodeServer
import ReliveKit
import ReliveReleases
import ReliveRuntime

/// Boots a node from an install root (`releases/`, `lib/<app>-<vsn>/`):
/// the release named by the boot file (`releases/start_erl.data`, else
/// RELEASES' permanent one) — its plugins loaded, `sys.config` read, its
/// applications loaded and started in dependency order with their start
/// types — and RELEASES brought in line with what booted.
public enum ReleaseBoot {
    /// What booted.
    public struct Report: Sendable {
        public let name: String
        public let vsn: String
        public let plugins: [String]
        /// The applications started, in order.
        public let started: [Atom]
    }

    /// - Parameters:
    ///   - handler: the root's release handler (its RELEASES is reconciled).
    ///   - caller: the process that starts the applications.
    ///   - trial: boot this release once instead (``TrialBoot``): it becomes
    ///     current, the permanent release stays the one the boot file names.
    /// - Throws: ``ReleaseHandlerError`` naming the file or application at fault.
    public static func boot(_ handler: ReleaseHandler, node: Node, code: CodeServer,
                            from caller: LocalProcess, trial: String? = nil) async throws(ReleaseHandlerError) -> Report {
        let root = handler.configuration.root
        let vsn: String
        if let trial { vsn = trial }
        else if let boot = try handler.store.readBootFile() { vsn = boot.vsn }
        else if let permanent = handler.whichReleases().first(where: { $0.status == .permanent }) { vsn = permanent.vsn }
        else { throw ReleaseHandlerError("no_permanent_release", "\(root)/releases: no start_erl.data and no permanent release in RELEASES") }

        let release = try handler.readRelease(vsn)
        let relFile = "\(root)/releases/\(vsn)/\(release.name).rel"
        let spec: ReleaseSpec
        do { spec = try ReleaseSpec.read(path: relFile) } catch { throw ReleaseHandlerError("bad_release", "\(relFile): \(error)") }

        let sysConfig = try ReleaseHandler.sysConfig(root: root, vsn: vsn)

        // Plugins: one per application that has code, each checked against the
        // release's verified manifest when unpack left one.
        let digests = try InstalledManifest.pluginDigests(root: root, vsn: vsn)
        var plugins: [String] = []
        for app in spec.applications {
            let path = CheckedScript.installRootLocator(root)(app.name.name, app.vsn)
            guard FileManager.default.fileExists(atPath: path) else { continue }   // a library application without code
            if code.plugins.contains(where: { $0.application == app.name.name && $0.version == app.vsn }) { continue }
            if let digests, digests[path] == nil {
                throw ReleaseHandlerError("load_failed", "\(path): not in the verified manifest of release \(vsn)")
            }
            do { try code.load(pluginAt: path, expectedSHA256: digests?[path]) } catch {
                throw ReleaseHandlerError("load_failed", "\(error)")
            }
            plugins.append(path)
        }

        // Applications: loaded, then started dependencies first.
        let members = Set(spec.applications.map(\.name))
        var specs: [Atom: ApplicationSpec] = [:]
        for app in spec.applications {
            let resource = try ReleaseHandler.applicationResource(app.name, in: "\(root)/lib/\(app.name)-\(app.vsn)")
            let appSpec = resource.spec(environment: sysConfig?.environment(of: app.name) ?? [], within: members)
            specs[app.name] = appSpec
            if app.startType == .none { continue }
            do { try node.applications.load(appSpec) } catch { throw ReleaseHandlerError("load_failed", "application \(app.name): \(error)") }
        }
        var started: [Atom] = []
        for name in try order(spec, specs) {
            guard let app = spec.application(name), let type = app.startType.applicationType else { continue }
            do { try await node.applications.start(name, type: type, from: caller) } catch {
                throw ReleaseHandlerError("start_failed", "application \(name): \(error)")
            }
            started.append(name)
        }
        if trial != nil { try handler.trialBooted(vsn) } else { try handler.booted(vsn) }
        node.logger.info("release booted", metadata: ["release": "\(spec.name)-\(vsn)", "applications": "\(started)"])
        return Report(name: spec.name, vsn: vsn, plugins: plugins, started: started)
    }

    /// The release's applications, each after those it needs (the .rel's
    /// order among independent ones).
    /// - Throws: `circular_dependencies` naming the applications.
    static func order(_ spec: ReleaseSpec, _ specs: [Atom: ApplicationSpec]) throws(ReleaseHandlerError) -> [Atom] {
        var done = Set<Atom>()
        var visiting = Set<Atom>()
        var out: [Atom] = []
        func visit(_ name: Atom) throws(ReleaseHandlerError) {
            if done.contains(name) { return }
            guard visiting.insert(name).inserted else {
                throw ReleaseHandlerError("circular_dependencies", "application \(name) depends on itself through \(visiting.map(\.name).sorted())")
            }
            for dep in specs[name]?.applications ?? [] { try visit(dep) }
            visiting.remove(name)
            done.insert(name)
            out.append(name)
        }
        for app in spec.applications { try visit(app.name) }
        return out
    }
}
