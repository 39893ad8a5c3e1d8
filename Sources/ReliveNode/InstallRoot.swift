import Foundation
import Glibc
import ReliveBundles
import ReliveReleases

/// An install root, laid out as OTP's (and as a bundle unpacks):
///
/// ```
/// lib/<app>-<vsn>/                 the applications (.app, .appup, plugin)
/// releases/<vsn>/                  each release's .rel, relup, sys.config, MANIFEST
/// releases/RELEASES                every release and its state (OTP's format)
/// releases/start_erl.data          "<release name> <release vsn> <host vsn>": the release the node boots (the release handler's boot file)
/// releases/next_boot               a trial boot the watchdog has yet to start (TrialBoot)
/// hosts/<host vsn>/bin/relive      the hosts releases brought (OTP's erts-<vsn>/), for host upgrades
/// run/                             0700: control.sock (0600), heart.pid, trial_boot (the trial under way)
/// log/                             the watchdog's and node's output when started in the background
/// ```
public struct InstallRoot: Sendable {
    /// The root's absolute path.
    public let path: String

    public init(path: String) {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        self.path = (absolute as NSString).standardizingPath
    }

    /// `--root`'s default: `$RELIVE_ROOT`, then the current folder.
    public static func resolve(_ given: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> InstallRoot {
        InstallRoot(path: given ?? environment["RELIVE_ROOT"] ?? FileManager.default.currentDirectoryPath)
    }

    public var releasesDirectory: String { path + "/releases" }
    public var releasesFile: String { releasesDirectory + "/RELEASES" }
    public var startData: String { releasesDirectory + "/start_erl.data" }
    public var runDirectory: String { path + "/run" }
    public var controlSocket: String { runDirectory + "/control.sock" }
    public var heartPidFile: String { runDirectory + "/heart.pid" }
    public var logDirectory: String { path + "/log" }

    public func applicationDirectory(_ app: String, _ vsn: String) -> String { "\(path)/lib/\(app)-\(vsn)" }
    public func releaseDirectory(_ vsn: String) -> String { "\(releasesDirectory)/\(vsn)" }

    /// Makes `run/` with mode 0700 (and tightens an existing one: the socket
    /// is reachable only by the owner, whatever the umask was).
    /// - Throws: ``NodeError`` (`failed`).
    public func makeRunDirectory() throws(NodeError) {
        if mkdir(runDirectory, 0o700) != 0 && errno != EEXIST {
            throw NodeError(.failed, "mkdir \(runDirectory): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard lstat(runDirectory, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR, status.st_uid == geteuid() else {
            throw NodeError(.failed, "\(runDirectory) is not a directory of this user")
        }
        guard chmod(runDirectory, 0o700) == 0 else {
            throw NodeError(.failed, "chmod \(runDirectory): \(String(cString: strerror(errno)))")
        }
    }

    /// The releases and their states (`releases/RELEASES`).
    /// - Throws: ``NodeError`` (`failed`) naming the file when it does not read.
    public func releases() throws(NodeError) -> ReleasesFile {
        do { return try ReleasesFile.read(path: releasesFile) } catch {
            throw NodeError(.failed, "\(releasesFile): \(error)")
        }
    }

    /// The permanent release: the one `releases/start_erl.data` names, which
    /// RELEASES must list.
    /// - Throws: ``NodeError`` (`failed`) when the root has none or disagrees with itself.
    public func permanentRelease() throws(NodeError) -> ReleasesFile.Release {
        let all = try releases()
        let named: String?
        if let data = FileManager.default.contents(atPath: startData) {
            named = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).last.map(String.init)
        } else {
            named = nil
        }
        if let named {
            guard let release = all.releases.first(where: { $0.vsn == named }) else {
                throw NodeError(.failed, "\(startData) names release \(named), which \(releasesFile) does not list")
            }
            return release
        }
        guard let release = all.releases.first(where: { $0.status == .permanent }) else {
            throw NodeError(.failed, "\(releasesFile) has no permanent release")
        }
        return release
    }
}

extension InstallRoot {
    /// `trusted_keys`: the public keys (one `relive bundle keygen` public key
    /// line each) whose signatures the node accepts on the bundles it
    /// unpacks. `relive node init --public-key` writes it.
    public var trustedKeysFile: String { path + "/trusted_keys" }

    /// The trusted keys, raw; none when the file does not exist.
    /// - Throws: ``NodeError`` (`failed`) naming the file and line of a malformed key.
    public func trustedKeys() throws(NodeError) -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: trustedKeysFile) else { return [] }
        var keys: [[UInt8]] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            do { keys.append(Array(try BundleKeyFile.parsePublicKey(text, source: "\(trustedKeysFile):\(number + 1)").rawRepresentation)) } catch {
                throw NodeError(.failed, "\(trustedKeysFile):\(number + 1): \(error)")
            }
        }
        return keys
    }
}
