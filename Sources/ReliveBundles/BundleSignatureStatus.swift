/// The outcome of looking at a bundle's signature.
public enum BundleSignatureStatus: Sendable, Equatable, CustomStringConvertible {
    /// The bundle has no `MANIFEST.sig`.
    case absent
    /// The bundle is signed but no public key was given to check it.
    case unchecked
    /// The signature verifies against the given public key.
    case valid
    /// The signature does not verify against the given public key (wrong
    /// key, or manifest or signature altered).
    case invalid

    public var description: String {
        switch self {
        case .absent: "absent"
        case .unchecked: "present, not checked (no public key given)"
        case .valid: "valid"
        case .invalid: "INVALID"
        }
    }
}
