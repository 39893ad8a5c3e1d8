/// Limits that stop a decompression bomb before it fills the disk.
///
/// They are checked against the manifest before any file data is read (a
/// manifest promising too much is refused up front) and again against the
/// bytes actually decompressed, so neither a lying header nor a lying
/// manifest gets past them.
public struct BundleLimits: Sendable, Equatable {
    /// Total uncompressed bytes of all files. Default 4 GiB.
    public var maximumTotalBytes: Int64
    /// Uncompressed bytes of any one file. Default 1 GiB.
    public var maximumEntryBytes: Int64
    /// Number of archive entries (files, directories, manifest). Default 100 000.
    public var maximumEntryCount: Int
    /// Size of the manifest itself. Default 16 MiB.
    public var maximumManifestBytes: Int

    public init(
        maximumTotalBytes: Int64 = 4 << 30,
        maximumEntryBytes: Int64 = 1 << 30,
        maximumEntryCount: Int = 100_000,
        maximumManifestBytes: Int = 16 << 20
    ) {
        self.maximumTotalBytes = maximumTotalBytes
        self.maximumEntryBytes = maximumEntryBytes
        self.maximumEntryCount = maximumEntryCount
        self.maximumManifestBytes = maximumManifestBytes
    }

    /// The defaults.
    public static let standard = BundleLimits()
}
