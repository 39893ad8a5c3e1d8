import ReliveKit
import ReliveReleases

/// The release a node runs: what `relive node status` reports. Set at boot
/// and again after every install.
public struct BootedRelease: Sendable {
    public let name: String
    public let vsn: String
    /// Applications in start order, with their start types.
    public let applications: [(name: Atom, vsn: String, type: String)]

    /// Reads the applications' versions and start types from `releases/<vsn>/<name>.rel`.
    init(root: InstallRoot, name: String, vsn: String, started: [Atom]) {
        self.name = name
        self.vsn = vsn
        let spec = try? ReleaseSpec.read(path: root.releaseDirectory(vsn) + "/\(name).rel")
        let order = started.isEmpty ? (spec?.applications.map(\.name) ?? []) : started
        self.applications = order.map { app in
            let entry = spec?.application(app)
            return (app, entry?.vsn ?? "?", entry.map { $0.startType.rawValue } ?? "?")
        }
    }
}
