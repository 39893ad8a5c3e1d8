import ReliveSystem

/// A bundle was installed — every file is in place in the root — but the
/// final flush to disk failed, so a crash now could still lose some of it.
///
/// Not a refusal: the root is *not* as it was. Running `sync` (or unpacking
/// the same bundle again, which changes nothing and flushes) makes it durable.
public struct BundleNotDurableError: Error, CustomStringConvertible, Sendable {
    /// What was installed.
    public let contents: BundleContents
    /// The install root.
    public let root: String
    /// The failed flush.
    public let cause: SystemError

    public var description: String {
        "installed \(contents.releaseName) \(contents.releaseVersion) into \(root), but not yet durable: \(cause); "
            + "the files are in place — run sync before relying on them surviving a crash"
    }
}
