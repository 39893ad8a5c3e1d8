import Foundation
import Glibc
import ReliveKit
import ReliveReleases
import ReliveSystem

/// The release handler's files in an install root: `releases/RELEASES`
/// (OTP's format, ReliveReleases' ``ReleasesFile``) and the boot file
/// `releases/start_erl.data` (OTP's: `"<runtime vsn> <release vsn>"`, here
/// `"<release name> <release vsn> <host vsn>"`; a file without the host, as
/// earlier roots have it, still reads), and the one-shot trial boot
/// (``TrialBoot``). Every write replaces the whole file atomically: a node
/// killed at any instant finds the old or the new file.
public struct ReleasesStore: Sendable {
    public let root: String
    /// Writes a whole file atomically (default: ReliveSystem's `AtomicFile`:
    /// temp file, fsync, rename, fsync of the directory).
    public var writeFile: @Sendable (_ path: String, _ text: String) throws -> Void

    public init(root: String, writeFile: (@Sendable (String, String) throws -> Void)? = nil) {
        self.root = root
        self.writeFile = writeFile ?? { path, text in try AtomicFile.write(text, to: path) }
    }

    public var releasesPath: String { root + "/releases/RELEASES" }
    public var bootFilePath: String { root + "/releases/start_erl.data" }
    /// A trial boot the watchdog has not started yet (``TrialBoot``).
    public var pendingTrialPath: String { root + "/releases/next_boot" }
    /// The trial boot the watchdog started (it moves the pending one here).
    public var startedTrialPath: String { root + "/run/trial_boot" }

    /// What the boot file names.
    public struct BootEntry: Sendable, Equatable {
        public var name: String
        public var vsn: String
        /// The host (`{erts, Vsn}`); nil in a boot file written before hosts were recorded.
        public var host: String?

        public init(name: String, vsn: String, host: String?) {
            self.name = name
            self.vsn = vsn
            self.host = host
        }
    }

    /// The RELEASES file; an absent file is an empty list.
    /// - Throws: ``ReleaseHandlerError`` `bad_releases_file` naming the file and the fault.
    public func readReleases() throws(ReleaseHandlerError) -> ReleasesFile {
        guard FileManager.default.fileExists(atPath: releasesPath) else { return ReleasesFile(releases: []) }
        do { return try ReleasesFile.read(path: releasesPath) } catch {
            throw ReleaseHandlerError("bad_releases_file", "\(releasesPath): \(error)")
        }
    }

    public func writeReleases(_ file: ReleasesFile) throws(ReleaseHandlerError) {
        let text: String
        do { text = try TermFile.format([file.term]) } catch {
            throw ReleaseHandlerError("bad_releases_file", "cannot write \(releasesPath): \(error)")
        }
        do { try writeFile(releasesPath, text) } catch {
            throw ReleaseHandlerError("write_failed", "\(releasesPath): \(error)")
        }
    }

    /// The release the node boots, or nil when there is no boot file.
    /// - Throws: ``ReleaseHandlerError`` `bad_boot_file` for a malformed one.
    public func readBootFile() throws(ReleaseHandlerError) -> BootEntry? {
        guard let data = FileManager.default.contents(atPath: bootFilePath) else { return nil }
        guard data.count <= 4096 else { throw ReleaseHandlerError("bad_boot_file", "\(bootFilePath): larger than 4096 bytes") }
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard fields.count == 2 || fields.count == 3 else {
            throw ReleaseHandlerError("bad_boot_file", "\(bootFilePath): expected \"<release name> <release vsn> <host vsn>\"")
        }
        return BootEntry(name: String(fields[0]), vsn: String(fields[1]), host: fields.count == 3 ? String(fields[2]) : nil)
    }

    public func writeBootFile(_ entry: BootEntry) throws(ReleaseHandlerError) {
        let line = [entry.name, entry.vsn, entry.host].compactMap { $0 }.joined(separator: " ")
        do { try writeFile(bootFilePath, line + "\n") } catch {
            throw ReleaseHandlerError("write_failed", "\(bootFilePath): \(error)")
        }
    }

    /// The trial boot at `path` (``pendingTrialPath`` or ``startedTrialPath``), nil when there is none.
    /// - Throws: ``ReleaseHandlerError`` `bad_trial_boot` naming the file and the fault.
    public func readTrialBoot(at path: String) throws(ReleaseHandlerError) -> TrialBoot? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard data.count <= 4096 else { throw ReleaseHandlerError("bad_trial_boot", "\(path): larger than 4096 bytes") }
        do { return try TrialBoot(text: String(decoding: data, as: UTF8.self)) } catch {
            throw ReleaseHandlerError("bad_trial_boot", "\(path): \(error.message)")
        }
    }

    public func writeTrialBoot(_ trial: TrialBoot, at path: String) throws(ReleaseHandlerError) {
        do { try writeFile(path, trial.text) } catch {
            throw ReleaseHandlerError("write_failed", "\(path): \(error)")
        }
    }

    /// Removes the trial boot at `path`; an absent one is no error.
    public func removeTrialBoot(at path: String) throws(ReleaseHandlerError) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw ReleaseHandlerError("write_failed", "unlink \(path): \(String(cString: strerror(errno)))")
        }
    }
}
