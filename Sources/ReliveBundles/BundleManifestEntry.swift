/// One file of a bundle as its manifest records it.
public struct BundleManifestEntry: Sendable, Equatable {
    /// The path inside the bundle (and, after unpacking, under the root).
    public let path: String
    /// The file's size in bytes.
    public let size: Int64
    /// SHA-256 of the file's content, 64 lowercase hex digits.
    public let sha256: String
    /// Whether the file is installed executable (mode 0755, else 0644).
    public let isExecutable: Bool

    public init(path: String, size: Int64, sha256: String, isExecutable: Bool) {
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.isExecutable = isExecutable
    }

    /// The normalised permission bits: 0755 or 0644.
    public var permissions: UInt32 { isExecutable ? 0o755 : 0o644 }
}
