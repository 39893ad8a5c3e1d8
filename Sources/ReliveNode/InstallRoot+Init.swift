import Foundation
import ReliveBundles
import ReliveKit
import ReliveReleases

extension InstallRoot {
    /// Makes a new install root whose permanent release is the bundle's (OTP's
    /// first unpack plus `create_RELEASES`): the bundle is verified and
    /// unpacked, then `releases/RELEASES` and `releases/start_erl.data` are
    /// written, each atomically.
    ///
    /// - Parameters:
    ///   - bundle: the bundle file.
    ///   - policy: what signature the bundle needs.
    /// - Returns: the permanent release.
    /// - Throws: ``NodeError``: `refused` for a root that already has releases
    ///   or a refused bundle, `usage` for a bundle whose `.rel` does not read,
    ///   `failed` for I/O. A refused root is left unchanged.
    public func initialize(fromBundle bundle: String, policy: BundleSignaturePolicy) throws(NodeError) -> ReleasesFile.Release {
        if FileManager.default.fileExists(atPath: releasesFile) {
            throw NodeError(.refused, "\(path) is already an install root (\(releasesFile) exists)")
        }
        let contents: BundleContents
        do { contents = try BundleUnpacker(signaturePolicy: policy).unpack(bundleAt: bundle, into: path) } catch let error as BundleError {
            throw NodeError(error.kind == .refused ? .refused : (error.kind == .io ? .failed : .usage), "\(bundle): \(error)")
        } catch {
            throw NodeError(.failed, "\(bundle): \(error)")
        }
        let relFile = releaseDirectory(contents.releaseVersion) + "/\(contents.releaseName).rel"
        let spec: ReleaseSpec
        do { spec = try ReleaseSpec.read(path: relFile) } catch { throw NodeError(.usage, "\(relFile): \(error)") }
        guard spec.name == contents.releaseName, spec.vsn == contents.releaseVersion else {
            throw NodeError(.usage, "\(relFile) describes \(spec.name) \(spec.vsn), the bundle's manifest \(contents.releaseName) \(contents.releaseVersion)")
        }
        let release = ReleasesFile.Release(
            name: spec.name, vsn: spec.vsn, runtimeVsn: spec.runtimeVsn,
            applications: spec.applications.map {
                .init(name: $0.name, vsn: $0.vsn, dir: applicationDirectory($0.name.name, $0.vsn))
            },
            status: .permanent)
        try writeAtomically(try format(ReleasesFile(releases: [release]).term), to: releasesFile)
        // The release handler's boot file: "<release name> <release vsn>".
        try writeAtomically("\(spec.name) \(spec.vsn)\n", to: startData)
        return release
    }

    private func format(_ term: Term) throws(NodeError) -> String {
        do { return try TermFile.format([term]) } catch { throw NodeError(.failed, "cannot write RELEASES: \(error)") }
    }

    /// Temp file, fsync, rename, fsync of the directory.
    func writeAtomically(_ text: String, to file: String) throws(NodeError) {
        let temp = file + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw NodeError(.failed, "open \(temp): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { let e = errno; close(fd); unlink(temp); throw NodeError(.failed, "write \(temp): \(String(cString: strerror(e)))") }
            offset += n
        }
        guard fsync(fd) == 0 else { let e = errno; close(fd); unlink(temp); throw NodeError(.failed, "fsync \(temp): \(String(cString: strerror(e)))") }
        close(fd)
        guard rename(temp, file) == 0 else { let e = errno; unlink(temp); throw NodeError(.failed, "rename \(temp) -> \(file): \(String(cString: strerror(e)))") }
        let dir = open((file as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); close(dir) }
    }
}
