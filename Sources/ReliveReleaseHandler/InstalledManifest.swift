import Glibc
import ReliveBundles
import ReliveSystem

/// The verified manifest that unpack left in `releases/<vsn>/MANIFEST`: the
/// SHA-256 of every file the bundle installed, so plugins are loaded only if
/// they are still exactly the bytes that were verified.
enum InstalledManifest {
    /// The manifest's SHA-256 of each installed plugin (`.so`), by absolute path;
    /// nil when the release has no manifest (a root not made by unpack).
    /// - Throws: ``ReleaseHandlerError`` (`bad_manifest`) naming the file.
    static func pluginDigests(root: String, vsn: String) throws(ReleaseHandlerError) -> [String: String]? {
        let path = "\(root)/releases/\(vsn)/\(BundleManifest.path)"
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path, limit: 16 << 20) } catch {
            if error.errno == ENOENT { return nil }
            throw ReleaseHandlerError("bad_manifest", "\(error)")
        }
        let manifest: BundleManifest
        do { manifest = try BundleManifest(parsing: bytes) } catch { throw ReleaseHandlerError("bad_manifest", "\(path): \(error)") }
        var digests: [String: String] = [:]
        for entry in manifest.entries where entry.path.hasSuffix(".so") { digests["\(root)/\(entry.path)"] = entry.sha256 }
        return digests
    }

    /// The manifest's SHA-256 of the file at `path` (relative to the root),
    /// nil when the release's bundle did not carry it or left no manifest.
    /// - Throws: ``ReleaseHandlerError`` (`bad_manifest`) naming the file.
    static func digest(root: String, vsn: String, of path: String) throws(ReleaseHandlerError) -> String? {
        let manifestPath = "\(root)/releases/\(vsn)/\(BundleManifest.path)"
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(manifestPath, limit: 16 << 20) } catch {
            if error.errno == ENOENT { return nil }
            throw ReleaseHandlerError("bad_manifest", "\(error)")
        }
        do { return try BundleManifest(parsing: bytes).entries.first { $0.path == path }?.sha256 } catch {
            throw ReleaseHandlerError("bad_manifest", "\(manifestPath): \(error)")
        }
    }
}
