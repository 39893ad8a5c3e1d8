import ReliveKit

/// A release resource file (`Name.rel`):
/// `{release, {Name, Vsn}, {erts, RuntimeVsn}, [{App, Vsn} | {App, Vsn, Type} | {App, Vsn, IncApps} | {App, Vsn, Type, IncApps}]}`.
///
/// In Relive the `erts` slot holds the host runtime's version (the `relive`
/// node and its kit); a change of it makes the relup restart the node
/// (`restart_new_emulator`), as a changed ERTS does in OTP.
public struct ReleaseSpec: Sendable, Equatable {
    public var name: String
    public var vsn: String
    /// The runtime version (OTP's ERTS version).
    public var runtimeVsn: String
    /// The tag of the runtime slot as written: `erts` (OTP) or `relive`.
    public var runtimeTag: Atom
    public var applications: [Application]

    public init(name: String, vsn: String, runtimeVsn: String, runtimeTag: Atom = "erts", applications: [Application]) {
        self.name = name
        self.vsn = vsn
        self.runtimeVsn = runtimeVsn
        self.runtimeTag = runtimeTag
        self.applications = applications
    }

    /// One application of a release.
    public struct Application: Sendable, Equatable {
        public var name: Atom
        public var vsn: String
        /// The start type as written; nil means the default, `permanent`.
        public var type: StartType?
        /// Included applications that override the `.app`'s, when given.
        public var includedApplications: [Atom]?

        public init(name: Atom, vsn: String, type: StartType? = nil, includedApplications: [Atom]? = nil) {
            self.name = name
            self.vsn = vsn
            self.type = type
            self.includedApplications = includedApplications
        }

        /// The effective start type.
        public var startType: StartType { type ?? .permanent }
    }

    /// The application named `name`, if the release has it.
    public func application(_ name: Atom) -> Application? {
        applications.first { $0.name == name }
    }
}
