import Crypto
import Foundation
import Glibc
import ReliveBundles
import ReliveReleases
import ReliveSystem

extension ReleaseHandler {
    /// Where a host's node program lives in an install root (OTP's
    /// `erts-<vsn>/bin`): `hosts/<vsn>/bin/relive`, relative to the root.
    public static func hostProgramPath(host: String) -> String { "hosts/\(host)/bin/relive" }

    /// The program that boots `release`: nil when it runs on this node's own
    /// host (the watchdog's default program), else its host's program in the
    /// root — a regular executable file, byte for byte the one the
    /// release's verified manifest names when its bundle carried it.
    /// - Throws: ``ReleaseHandlerError`` `host_missing` naming the host and
    ///   the path, or `bad_host` for a host name that is not a plain name or
    ///   a program that is not what was verified.
    func hostCommand(for release: ReleasesFile.Release) throws(ReleaseHandlerError) -> String? {
        let host = release.runtimeVsn
        if host == configuration.hostVersion { return nil }
        // The name becomes a path component and a field of the boot file.
        guard !host.isEmpty, host.count <= 255, host != ".", host != "..",
              host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "\\") }) else {
            throw ReleaseHandlerError("bad_host", "release \(release.vsn) names host \"\(host)\", which is not a plain name (printable ASCII, no spaces or slashes)")
        }
        let relative = Self.hostProgramPath(host: host), path = "\(root)/\(relative)"
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_mode & 0o100 != 0 else {
            throw ReleaseHandlerError("host_missing", "release \(release.vsn) runs on host \(host), the node on \(configuration.hostVersion ?? "an unnamed host"): \(path) is not an executable file (build the bundle with --host)")
        }
        if let expected = try InstalledManifest.digest(root: root, vsn: release.vsn, of: relative) {
            let bytes: [UInt8]
            do { bytes = try AtomicFile.read(path, limit: 1 << 31) } catch {
                throw ReleaseHandlerError("bad_host", "\(error)")
            }
            let actual = SHA256.hash(data: bytes).hexString   // the manifest's spelling
            guard actual == expected else {
                throw ReleaseHandlerError("bad_host", "\(path): SHA-256 \(actual) is not the \(expected) release \(release.vsn)'s manifest verified")
            }
        }
        return path
    }

    /// Schedules a trial boot of `vsn` (``TrialBoot``), the release an
    /// install left waiting for a restart (`restart_new_emulator`, or the
    /// `restart_emulator` at the end of its script): writes
    /// `releases/next_boot`; the node layer then exits for the watchdog.
    /// - Parameters:
    ///   - healthWindowMilliseconds: the gate the trial node runs before it
    ///     makes `vsn` permanent; nil: none, `vsn` stays current.
    /// - Throws: ``ReleaseHandlerError``: `vsn` unknown, its host missing, the write failed.
    @discardableResult
    public func scheduleTrialBoot(_ vsn: String, healthWindowMilliseconds: Int?, maxExits: Int) throws(ReleaseHandlerError) -> TrialBoot {
        guard let release = self.release(vsn) else { throw ReleaseHandlerError("no_such_release", "release \(vsn) is not known") }
        guard let from = running else { throw ReleaseHandlerError("no_running_release", "no release is running") }
        _ = try hostCommand(for: release)
        let trial = TrialBoot(name: release.name, vsn: vsn, host: release.runtimeVsn, from: from.vsn,
                              healthWindowMilliseconds: healthWindowMilliseconds, maxExits: maxExits)
        try store.writeTrialBoot(trial, at: store.pendingTrialPath)
        logger.notice("trial boot scheduled", metadata: ["release": "\(release.name)-\(vsn)", "host": "\(release.runtimeVsn)"])
        return trial
    }

    /// Drops a trial boot the watchdog has not started (a stale one, from a
    /// node that scheduled it and was then run without a watchdog).
    public func cancelPendingTrialBoot() throws(ReleaseHandlerError) {
        try store.removeTrialBoot(at: store.pendingTrialPath)
    }
}
