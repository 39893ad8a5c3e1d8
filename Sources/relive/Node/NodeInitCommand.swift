import ArgumentParser
import ReliveBundles
import ReliveNode
import ReliveReleases

/// `relive node init BUNDLE --root DIR`: a new install root whose permanent
/// release is the verified bundle's.
struct NodeInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make a new install root from a bundle (its release becomes the permanent one).")

    @Argument(help: "The release bundle.") var bundle: String
    @Option(name: .customLong("public-key"), help: "Require a valid signature by this public key file, and trust it for later upgrades.")
    var publicKey: String?
    @OptionGroup var rootOptions: NodeRootOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        try ToolExit.run("node init") {
            let root = rootOptions.installRoot
            let key = try publicKey.map { try BundleKeyFile.readPublicKey(at: $0) }
            let policy: BundleSignaturePolicy = key.map { .require($0) } ?? .ignore
            format.progress("verifying and unpacking \(bundle)")
            let release: ReleasesFile.Release
            do { release = try root.initialize(fromBundle: bundle, policy: policy, trustedKey: key.map { BundleKeyFile.render($0) }) } catch let error as NodeError { throw ToolError(error) }
            format.emit("\(root.path): \(release.name) \(release.vsn) permanent\(publicKey == nil ? " (signature not required, and no key trusted for upgrades: no --public-key)" : "")",
                        json: ["root": root.path, "release": release.name, "version": release.vsn, "state": "permanent"])
        }
    }
}
