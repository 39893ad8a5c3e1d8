import ArgumentParser
import ReliveBundles

/// `relive bundle unpack`: verifies a bundle and installs it into a root.
struct BundleUnpackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpack",
        abstract: "Verify a bundle and unpack it into an install root.",
        discussion: """
            Nothing is written into the root until the whole bundle has been read and \
            verified; a refused bundle leaves the root unchanged (exit 1).
            """
    )

    @Argument(help: "The bundle (.tar.gz or .tar.zst).")
    var bundle: String

    @Option(help: "The install root (created if missing; its parent must exist).")
    var root: String

    @Option(name: .customLong("public-key"), help: "Require a valid signature by this public key file.")
    var publicKey: String?

    @Flag(name: .customLong("no-sync"), help: "Skip flushing to disk before and after the moves (faster, not crash-safe).")
    var noSync = false

    @OptionGroup var limitOptions: BundleLimitOptions

    func run() throws {
        try BundleExitStatus.run {
            let policy: BundleSignaturePolicy = try publicKey.map { .require(try BundleKeyFile.readPublicKey(at: $0)) } ?? .ignore
            let unpacker = BundleUnpacker(limits: limitOptions.limits, signaturePolicy: policy, synchronizes: !noSync)
            let contents = try unpacker.unpack(bundleAt: bundle, into: root)
            print("unpacked \(contents.releaseName) \(contents.releaseVersion) (\(contents.files.count) files, signature \(contents.signature)) into \(root)")
        }
    }
}
