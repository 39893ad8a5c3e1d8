import ReliveKit

/// An application of a release, resolved against the catalog: OTP's
/// `#application{}` record as systools uses it.
public struct ResolvedApplication: Sendable {
    public var name: Atom
    public var vsn: String
    /// The start type from the `.rel`.
    public var type: StartType
    public var modules: [Atom]
    /// Applications it uses (`applications`), after systools' reordering.
    public var uses: [Atom]
    public var optional: [Atom]
    public var includes: [Atom]
    public var source: ApplicationVersion

    /// Registered names, from the `.app`.
    var registered: [Atom] { source.spec.registered }
}
