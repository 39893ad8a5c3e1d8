/// A bundle's table of contents: the release it carries and the size, mode
/// and SHA-256 of every file. Its exact bytes (see ``render()``) are what
/// the Ed25519 signature signs.
///
/// Invariants (checked by ``init(releaseName:releaseVersion:entries:kind:)``
/// and the parser): entries sorted by path in byte order with no duplicates,
/// every path valid under ``BundlePath``, no file at a path that is also a
/// directory of another file, and no file at the install record paths
/// `releases/<vsn>/MANIFEST` and `releases/<vsn>/MANIFEST.sig`.
public struct BundleManifest: Sendable, Equatable {
    /// The manifest's path in the bundle; always the first entry.
    public static let path = "MANIFEST"
    /// The signature's path in the bundle; the second entry when present.
    public static let signaturePath = "MANIFEST.sig"
    /// The first line of every manifest (format name and version).
    static let formatLine = "relive-bundle-manifest 1"

    public let releaseName: String
    public let releaseVersion: String
    public let entries: [BundleManifestEntry]

    /// Builds a manifest, checking its invariants.
    /// - Parameters:
    ///   - entries: in any order; they are sorted here.
    ///   - kind: the error kind for a broken invariant (invalid input when
    ///     building, refused when reading).
    /// - Throws: ``BundleError`` naming the offending path.
    public init(releaseName: String, releaseVersion: String, entries: [BundleManifestEntry], kind: BundleError.Kind = .invalidInput) throws {
        let source = kind == .refused ? Self.path : nil
        try BundlePath.validateName(releaseName, what: "release name", kind: kind, entry: source)
        try BundlePath.validateName(releaseVersion, what: "release version", kind: kind, entry: source)
        let sorted = entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        var files = Set<String>()
        for entry in sorted {
            _ = try BundlePath.validate(Array(entry.path.utf8), isDirectory: false, kind: kind)
            guard files.insert(entry.path).inserted else {
                throw BundleError(kind, entry: entry.path, "listed twice")
            }
            guard entry.size >= 0 else { throw BundleError(kind, entry: entry.path, "negative size") }
        }
        for entry in sorted {
            if let clash = BundlePath.ancestors(of: entry.path).first(where: files.contains) {
                throw BundleError(kind, entry: entry.path, "its directory '\(clash)' is also listed as a file")
            }
        }
        for reserved in Self.installRecordPaths(releaseVersion: releaseVersion) where files.contains(reserved) {
            throw BundleError(kind, entry: reserved, "reserved for the unpacked copy of the manifest")
        }
        self.releaseName = releaseName
        self.releaseVersion = releaseVersion
        self.entries = sorted
    }

    /// Where unpack keeps the verified manifest and signature under the root.
    public static func installRecordPaths(releaseVersion: String) -> [String] {
        ["releases/\(releaseVersion)/\(path)", "releases/\(releaseVersion)/\(signaturePath)"]
    }

    /// The directories the files need, each once, sorted.
    var directories: [String] {
        var seen = Set<String>(["lib", "releases"])
        for entry in entries {
            for directory in BundlePath.ancestors(of: entry.path) {
                seen.insert(directory)
            }
        }
        return seen.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Total size of all files in bytes.
    public var totalSize: Int64 {
        entries.reduce(0) { $0 &+ $1.size }
    }
}
