/// Reads a bundle without writing anything: for `inspect` and `verify`.
public struct BundleVerifier {
    public var limits: BundleLimits
    public var signaturePolicy: BundleSignaturePolicy

    public init(limits: BundleLimits = .standard, signaturePolicy: BundleSignaturePolicy = .ignore) {
        self.limits = limits
        self.signaturePolicy = signaturePolicy
    }

    /// Reads the whole bundle, checking structure, paths, limits, every
    /// file's size, mode and SHA-256, and the signature under the policy.
    /// - Returns: the bundle's contents; under `.check` the signature status
    ///   may be `.invalid` without an error.
    /// - Throws: ``BundleError``: refused for any problem with the bundle,
    ///   I/O when it cannot be read.
    public func verify(bundleAt path: String) throws -> BundleContents {
        try BundleError.mappingSystemErrors {
            try BundleScanner(limits: limits, signaturePolicy: signaturePolicy).scan(bundleAt: path, sink: nil)
        }
    }
}
