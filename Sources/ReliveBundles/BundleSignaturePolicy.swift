import Crypto

/// What a reader does about `MANIFEST.sig`.
public enum BundleSignaturePolicy {
    /// Do not check the signature (report it as unchecked if present).
    case ignore
    /// Check it against this key and report the outcome, refusing nothing.
    case check(Curve25519.Signing.PublicKey)
    /// Refuse the bundle unless it carries a signature by this key — checked
    /// before any file data is read.
    case require(Curve25519.Signing.PublicKey)
}
