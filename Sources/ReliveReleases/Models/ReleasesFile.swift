import ReliveKit

/// The release handler's `RELEASES` file: one term, a list of
/// `{release, Name, Vsn, RuntimeVsn, [{App, Vsn, Dir}], Status}` (OTP's format).
public struct ReleasesFile: Sendable, Equatable {
    public var releases: [Release]

    public init(releases: [Release]) { self.releases = releases }

    /// One release the node knows.
    public struct Release: Sendable, Equatable {
        public var name: String
        public var vsn: String
        public var runtimeVsn: String
        public var applications: [InstalledApplication]
        public var status: ReleaseStatus

        public init(name: String, vsn: String, runtimeVsn: String, applications: [InstalledApplication], status: ReleaseStatus) {
            self.name = name
            self.vsn = vsn
            self.runtimeVsn = runtimeVsn
            self.applications = applications
            self.status = status
        }
    }

    /// `{App, Vsn, Dir}`: where an application version is installed.
    public struct InstalledApplication: Sendable, Equatable {
        public var name: Atom
        public var vsn: String
        public var dir: String

        public init(name: Atom, vsn: String, dir: String) {
            self.name = name
            self.vsn = vsn
            self.dir = dir
        }
    }
}
