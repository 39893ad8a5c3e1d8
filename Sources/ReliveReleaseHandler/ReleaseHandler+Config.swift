import Foundation
import ReliveKit
import ReliveReleases
import ReliveRuntime

extension ReleaseHandler {
    /// `releases/<vsn>/sys.config` of `root`, or nil when the release has none
    /// (an empty configuration).
    /// - Throws: `bad_config` naming the file and what is wrong in it.
    static func sysConfig(root: String, vsn: String) throws(ReleaseHandlerError) -> SysConfig? {
        let path = "\(root)/releases/\(vsn)/sys.config"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do { return try SysConfig.read(path: path) } catch {
            throw ReleaseHandlerError("bad_config", "\(path): \(error)")
        }
    }

    /// Release `vsn`'s applications as the runtime takes them: each `.app`
    /// with `sys.config` over its `env`, key by key (what boot loads and
    /// install changes to, OTP's `change_application_data`).
    /// - Throws: `bad_config`, `bad_release` or `bad_application` naming the file.
    func applicationSpecs(_ vsn: String) throws(ReleaseHandlerError) -> [ApplicationSpec] {
        let root = configuration.root
        let config = try Self.sysConfig(root: root, vsn: vsn)
        let release = try readRelease(vsn)
        let members = Set(release.applications.map(\.name))
        var specs: [ApplicationSpec] = []
        for app in release.applications {
            let resource = try Self.applicationResource(app.name, in: app.dir)
            specs.append(resource.spec(environment: config?.environment(of: app.name) ?? [], within: members))
        }
        return specs
    }
}
