import ReliveKit

/// One version of one behaviour module, as loaded into the node.
///
/// Identity matters: the module table and every process running the module
/// point at the same instance, which is how the runtime knows exactly which
/// processes run which version.
public final class LoadedModule: Sendable, CustomStringConvertible {
    /// The module's name (OTP's module atom).
    public let name: Atom
    /// The version (the version of the application it came with).
    public let version: String
    /// The application it belongs to, if known.
    public let application: String?
    /// Its code.
    public let code: ModuleCode

    public init(name: Atom, version: String, application: String? = nil, code: ModuleCode) {
        self.name = name
        self.version = version
        self.application = application
        self.code = code
    }

    /// The version as a Term, as code_change receives it (`"1.0.0"`).
    public var versionTerm: Term { .string(version) }

    public var description: String { "\(name)-\(version)" }
}
