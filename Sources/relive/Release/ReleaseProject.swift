import Foundation

/// A user's project folder, as `relive release build` reads it:
///
/// ```
/// plugins/<app>/<vsn>/*.swift      an application version's plugin sources
/// plugins/<app>/<vsn>/<app>.app    its application resource file
/// appups/<app>-<vsn>.appup         how to reach <vsn> from older versions (and back)
/// releases/<name>-<vsn>.rel        a release: its name, version, host and applications
/// config/<name>-<vsn>/sys.config   the release's configuration (optional)
/// _build/relive/                   the tool's cache and default outputs (not committed)
/// ```
struct ReleaseProject {
    /// The project folder (the one holding `plugins/`, `appups/`, `releases/`).
    let root: String

    /// The project a `.rel` file belongs to: the parent of its `releases/`
    /// folder, else the current folder.
    static func containing(releaseFile: String) -> ReleaseProject {
        let directory = (releaseFile as NSString).deletingLastPathComponent
        if (directory as NSString).lastPathComponent == "releases" {
            let parent = (directory as NSString).deletingLastPathComponent
            return ReleaseProject(root: parent.isEmpty ? "." : parent)
        }
        return ReleaseProject(root: ".")
    }

    func sourceFolder(application: String, version: String) -> String {
        path("plugins/\(application)/\(version)")
    }

    func applicationFile(application: String, version: String) -> String {
        "\(sourceFolder(application: application, version: version))/\(application).app"
    }

    func appupFile(application: String, version: String) -> String {
        path("appups/\(application)-\(version).appup")
    }

    func sysConfigFile(release: String, version: String) -> String {
        path("config/\(release)-\(version)/sys.config")
    }

    /// The tool's working folder (plugin cache, generated relup and sys.config).
    var buildFolder: String { path("_build/relive") }

    /// `relative` inside the project (as given: no `./` for the current folder).
    private func path(_ relative: String) -> String {
        root == "." ? relative : "\(root)/\(relative)"
    }

    func defaultBundle(release: String, version: String) -> String {
        "\(buildFolder)/\(release)-\(version).tar.gz"
    }
}
