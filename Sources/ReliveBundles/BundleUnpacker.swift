import Glibc
import ReliveSystem

/// Unpacks a bundle into an install root, safely: nothing is written into
/// the root until the whole bundle has been read and verified.
///
/// 1. A fresh staging directory `<root>/.relive-unpack-XXXXXX` is made (same
///    file system as the root, so the final moves are renames).
/// 2. The bundle is read once (see ``BundleVerifier``): every entry is
///    checked and its content written into staging with `openat`,
///    `O_NOFOLLOW`, `O_EXCL` — never libarchive's extract-to-disk.
/// 3. The verified manifest (and signature) are kept as
///    `releases/<vsn>/MANIFEST` and `releases/<vsn>/MANIFEST.sig`.
/// 4. Staged content is flushed to disk, the install is planned (see
///    ``BundleInstallPlan``: clashes are refused before anything moves), and
///    the new paths are renamed into the root.
/// 5. The staging directory is removed — always, on failure too. A root
///    this call created is removed again on failure.
public struct BundleUnpacker {
    public var limits: BundleLimits
    public var signaturePolicy: BundleSignaturePolicy
    /// Flush data before the moves and the moves after them (`syncfs`), so
    /// a crash never leaves a renamed-in but empty file. On by default.
    public var synchronizes: Bool

    /// Test hook: runs between planning the install and the first move.
    var beforeMoves: (() throws -> Void)?

    public init(limits: BundleLimits = .standard, signaturePolicy: BundleSignaturePolicy = .ignore, synchronizes: Bool = true) {
        self.limits = limits
        self.signaturePolicy = signaturePolicy
        self.synchronizes = synchronizes
    }

    /// Unpacks the bundle at `bundlePath` into `root` (created if missing;
    /// its parent must exist).
    /// - Returns: the verified contents.
    /// - Throws: ``BundleError``: refused for an unsafe, corrupt, tampered or
    ///   unsigned-where-required bundle or a clash with the root; I/O for
    ///   system failures. The root is unchanged whenever this throws a
    ///   ``BundleError``. ``BundleNotDurableError`` when everything was
    ///   installed but the final flush failed: the files are in place (not
    ///   a refusal), only their survival of a crash is not assured.
    @discardableResult
    public func unpack(bundleAt bundlePath: String, into root: String) throws -> BundleContents {
        try BundleError.mappingSystemErrors { try unpackChecked(bundleAt: bundlePath, into: root) }
    }

    private func unpackChecked(bundleAt bundlePath: String, into root: String) throws -> BundleContents {
        var createdRoot = false
        if let existing = try FileSystem.linkStatus(root) {
            var followed = stat()
            guard FileSystem.isDirectory(existing) || (stat(root, &followed) == 0 && FileSystem.isDirectory(followed)) else {
                throw BundleError.invalidInput(root, "install root exists and is not a directory")
            }
        } else {
            try FileSystem.makeDirectory(root, mode: 0o755)
            createdRoot = true
        }
        var staging: StagingDirectory?
        var succeeded = false
        defer {
            if let staging { FileSystem.removeTree(staging.path) }
            if createdRoot && !succeeded { rmdir(root) }
        }
        let stage = try StagingDirectory(in: root)
        staging = stage

        let contents = try BundleScanner(limits: limits, signaturePolicy: signaturePolicy).scan(bundleAt: bundlePath, sink: stage)
        let records = BundleManifest.installRecordPaths(releaseVersion: contents.releaseVersion)
        var stagedFiles = contents.files.map(\.path)
        try stage.writeFile(records[0], bytes: contents.manifestBytes)
        stagedFiles.append(records[0])
        if let signatureBytes = contents.signatureBytes {
            try stage.writeFile(records[1], bytes: signatureBytes)
            stagedFiles.append(records[1])
        }
        if synchronizes { try stage.synchronize() }

        let plan = try BundleInstallPlan(
            stagedFiles: stagedFiles, stagingPath: stage.path, root: root,
            replaceable: ["releases/\(contents.releaseName).rel"]
        )
        try beforeMoves?()
        try plan.execute(staging: stage.root, root: OpenFile.open(root, flags: O_RDONLY | O_DIRECTORY))
        succeeded = true
        if synchronizes {
            do { try stage.synchronize() } catch let error as SystemError {
                throw BundleNotDurableError(contents: contents, root: root, cause: error)
            }
        }
        return contents
    }
}
