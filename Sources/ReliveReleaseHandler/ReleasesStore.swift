import Foundation
import ReliveKit
import ReliveReleases

/// The release handler's files in an install root: `releases/RELEASES`
/// (OTP's format, ReliveReleases' ``ReleasesFile``) and the boot file
/// `releases/start_erl.data` (OTP's: `"<runtime vsn> <release vsn>"`, here
/// `"<release name> <release vsn>"`). Every write replaces the whole file
/// atomically: a node killed at any instant finds the old or the new file.
public struct ReleasesStore: Sendable {
    public let root: String
    /// Writes a whole file atomically (temp file, fsync, rename, fsync of the directory).
    public var writeFile: @Sendable (_ path: String, _ text: String) throws -> Void

    public init(root: String, writeFile: (@Sendable (String, String) throws -> Void)? = nil) {
        self.root = root
        self.writeFile = writeFile ?? { path, text in try AtomicWrite.write(text, to: path) }
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

/// Whole-file atomic write, until `ReliveSystem.AtomicFile` (branch
/// `system`) replaces it: temp file in the same directory, fsync, rename,
/// fsync of the directory.
enum AtomicWrite {
    struct Failure: Error, CustomStringConvertible {
        let operation: String, path: String, code: Int32
        var description: String { "\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))" }
    }

    static func write(_ text: String, to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let temp = "\(dir)/.\((path as NSString).lastPathComponent).tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(operation: "open", path: temp, code: errno) }
        var ok = false
        defer { if !ok { unlink(temp) } }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 { if errno == EINTR { continue }; let e = errno; close(fd); throw Failure(operation: "write", path: temp, code: e) }
            written += n
        }
        guard fsync(fd) == 0 else { let e = errno; close(fd); throw Failure(operation: "fsync", path: temp, code: e) }
        close(fd)
        guard rename(temp, path) == 0 else { throw Failure(operation: "rename", path: path, code: errno) }
        ok = true
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}
