import Foundation
import ReliveBundles
import ReliveKit
import ReliveReleaseHandler
import ReliveReleases
import ReliveSystem

extension InstallRoot {
    /// Makes a new install root whose permanent release is the bundle's (OTP's
    /// first unpack plus `create_RELEASES`): the bundle is verified and
    /// unpacked, then `releases/RELEASES` and `releases/start_erl.data` are
    /// written, each atomically.
    ///
    /// - Parameters:
    ///   - bundle: the bundle file.
    ///   - policy: what signature the bundle needs.
    ///   - trustedKey: a public key file's text, written to ``trustedKeysFile``:
    ///     the node then accepts bundles signed by it.
    /// - Returns: the permanent release.
    /// - Throws: ``NodeError``: `refused` for a root that already has releases
    ///   or a refused bundle, `usage` for a bundle whose `.rel` does not read,
    ///   `failed` for I/O. A refused root is left unchanged.
    public func initialize(fromBundle bundle: String, policy: BundleSignaturePolicy,
                           trustedKey: String? = nil) throws(NodeError) -> ReleasesFile.Release {
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
        // Each file atomically; RELEASES last, since its presence makes the root one.
        let store = ReleasesStore(root: path)
        do throws(any Error) {
            if let trustedKey { try AtomicFile.write(trustedKey, to: trustedKeysFile) }
            try store.writeBootFile(.init(name: spec.name, vsn: spec.vsn, host: spec.runtimeVsn))
            try store.writeReleases(ReleasesFile(releases: [release]))
        } catch {
            throw NodeError(.failed, "\(path): \(error)")
        }
        return release
    }
}
