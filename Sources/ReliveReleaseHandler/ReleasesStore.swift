import Foundation
import ReliveKit
import ReliveReleases
import ReliveSystem

/// The release handler's files in an install root: `releases/RELEASES`
/// (OTP's format, ReliveReleases' ``ReleasesFile``) and the boot file
/// `releases/start_erl.data` (OTP's: `"<runtime vsn> <release vsn>"`, here
/// `"<release name> <release vsn>"`). Every write replaces the whole file
/// atomically: a node killed at any instant finds the old or the new file.
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

    /// The release the node boots: (name, vsn), or nil when there is no boot file.
    /// - Throws: ``ReleaseHandlerError`` `bad_boot_file` for a malformed one.
    public func readBootFile() throws(ReleaseHandlerError) -> (name: String, vsn: String)? {
        guard let data = FileManager.default.contents(atPath: bootFilePath) else { return nil }
        guard data.count <= 4096 else { throw ReleaseHandlerError("bad_boot_file", "\(bootFilePath): larger than 4096 bytes") }
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard fields.count == 2 else {
            throw ReleaseHandlerError("bad_boot_file", "\(bootFilePath): expected \"<release name> <release vsn>\"")
        }
        return (String(fields[0]), String(fields[1]))
    }

    public func writeBootFile(name: String, vsn: String) throws(ReleaseHandlerError) {
        do { try writeFile(bootFilePath, "\(name) \(vsn)\n") } catch {
            throw ReleaseHandlerError("write_failed", "\(bootFilePath): \(error)")
        }
    }
}
