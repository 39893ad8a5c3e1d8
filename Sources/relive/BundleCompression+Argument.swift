import ArgumentParser
import ReliveBundles

/// `--compression gzip|zstd|none`.
extension BundleCompression: ExpressibleByArgument {}
