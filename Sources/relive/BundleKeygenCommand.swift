import ArgumentParser
import ReliveBundles

/// `relive bundle keygen`: writes a new Ed25519 key pair.
struct BundleKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate an Ed25519 key pair for signing bundles.",
        discussion: "Neither file may exist. The secret key file is created with mode 0600."
    )

    @Option(name: .customLong("secret-key"), help: "Where to write the secret (signing) key.")
    var secretKey: String

    @Option(name: .customLong("public-key"), help: "Where to write the public (verifying) key.")
    var publicKey: String

    func run() throws {
        try BundleExitStatus.run {
            try BundleKeyFile.writeNewKeyPair(secretKeyPath: secretKey, publicKeyPath: publicKey)
            print("""
                wrote \(secretKey) (secret, mode 0600: keep it on the build machine, never copy it to a node)
                wrote \(publicKey) (public: copy it to every node that must accept these bundles, and give it to \
                `relive bundle verify --public-key` / `relive bundle unpack --public-key` there)
                """)
        }
    }
}
