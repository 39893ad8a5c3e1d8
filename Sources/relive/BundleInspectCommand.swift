import ArgumentParser
import ReliveBundles

/// `relive bundle inspect`: lists a bundle's release, applications and files.
struct BundleInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List a bundle's release, applications, files and signature status without unpacking it.",
        discussion: "The whole bundle is read and checked. With --public-key, exits 1 when the signature is absent or invalid."
    )

    @Argument(help: "The bundle (.tar.gz or .tar.zst).")
    var bundle: String

    @Option(name: .customLong("public-key"), help: "Check the signature against this public key file.")
    var publicKey: String?

    @OptionGroup var limitOptions: BundleLimitOptions

    func run() throws {
        try BundleExitStatus.run {
            let policy: BundleSignaturePolicy = try publicKey.map { .check(try BundleKeyFile.readPublicKey(at: $0)) } ?? .ignore
            let contents = try BundleVerifier(limits: limitOptions.limits, signaturePolicy: policy).verify(bundleAt: bundle)
            print("release: \(contents.releaseName) \(contents.releaseVersion)")
            print("signature: \(contents.signature)")
            print("applications:")
            for application in contents.applications {
                print("  \(application.name) \(application.version)")
            }
            print("files: \(contents.files.count), \(contents.manifest.totalSize) bytes")
            for file in contents.files {
                print("  \(file.isExecutable ? "0755" : "0644")  \(file.size)  \(file.path)")
            }
            if publicKey != nil && contents.signature != .valid {
                BundleExitStatus.printError("relive bundle: signature \(contents.signature)")
                throw ExitCode(ToolExit.refused)
            }
        }
    }
}
