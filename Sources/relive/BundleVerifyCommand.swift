import ArgumentParser
import ReliveBundles

/// `relive bundle verify`: checks a bundle completely without writing anything.
struct BundleVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a bundle's structure, hashes and signature without unpacking it.",
        discussion: "With --public-key the bundle must carry a valid signature by that key. Exit 0 when it passes, 1 when refused."
    )

    @Argument(help: "The bundle (.tar.gz or .tar.zst).")
    var bundle: String

    @Option(name: .customLong("public-key"), help: "Require a valid signature by this public key file.")
    var publicKey: String?

    @OptionGroup var limitOptions: BundleLimitOptions

    func run() throws {
        try BundleExitStatus.run {
            let policy: BundleSignaturePolicy = try publicKey.map { .require(try BundleKeyFile.readPublicKey(at: $0)) } ?? .ignore
            let contents = try BundleVerifier(limits: limitOptions.limits, signaturePolicy: policy).verify(bundleAt: bundle)
            print("OK: \(contents.releaseName) \(contents.releaseVersion), \(contents.files.count) files, signature \(contents.signature)")
        }
    }
}
