/// An application carried by a bundle, as named by its `lib/<app>-<vsn>/`
/// directory.
public struct BundleApplication: Sendable, Equatable, Hashable {
    public let name: String
    /// The version, empty when the directory name has no `-`.
    public let version: String

    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }

    /// Splits a `lib/` directory name at its last `-` (OTP's convention:
    /// application names may contain `-` rarely, versions never start with it).
    init(directoryName: String) {
        if let dash = directoryName.lastIndex(of: "-") {
            self.name = String(directoryName[..<dash])
            self.version = String(directoryName[directoryName.index(after: dash)...])
        } else {
            self.name = directoryName
            self.version = ""
        }
    }
}
