/// What a verified bundle holds: the outcome of inspecting, verifying or
/// unpacking it. Every file listed has been read and matched its hash.
public struct BundleContents: Sendable, Equatable {
    /// The manifest (release name, version, every file's size, mode, hash).
    public let manifest: BundleManifest
    /// What came of the signature under the policy used.
    public let signature: BundleSignatureStatus
    /// The manifest's exact bytes (what the signature signs).
    let manifestBytes: [UInt8]
    /// `MANIFEST.sig`'s exact bytes, nil when unsigned.
    let signatureBytes: [UInt8]?

    public var releaseName: String { manifest.releaseName }
    public var releaseVersion: String { manifest.releaseVersion }
    public var files: [BundleManifestEntry] { manifest.entries }

    /// The applications, from the `lib/<app>-<vsn>/` directories, sorted.
    public var applications: [BundleApplication] {
        var names = Set<String>()
        for entry in manifest.entries {
            let components = entry.path.split(separator: "/")
            if components.count >= 3, components[0] == "lib" {
                names.insert(String(components[1]))
            }
        }
        return names.sorted().map(BundleApplication.init(directoryName:))
    }
}
