/// The compression filter of a bundle's tar stream.
public enum BundleCompression: String, Sendable, CaseIterable, CustomStringConvertible {
    /// gzip (`.tar.gz`), written without a timestamp or file name.
    case gzip
    /// Zstandard (`.tar.zst`).
    case zstd
    /// No compression (`.tar`); for tests and for piping into another compressor.
    case none

    /// Picks the compression from a bundle file name: `.tar.zst`/`.tzst` is
    /// zstd, `.tar` is none, anything else gzip.
    public init(forPath path: String) {
        if path.hasSuffix(".tar.zst") || path.hasSuffix(".tzst") {
            self = .zstd
        } else if path.hasSuffix(".tar") {
            self = .none
        } else {
            self = .gzip
        }
    }

    public var description: String { rawValue }
}
