import Crypto
import Foundation
import Testing
@testable import ReliveBundles

@Suite("Key files")
struct BundleKeyFileTests {
    @Test("generated key files round-trip; the secret one is private; existing files are never overwritten")
    func generate() throws {
        let directory = try TemporaryDirectory()
        let publicKey = try BundleKeyFile.writeNewKeyPair(secretKeyPath: directory.url("k.sec"), publicKeyPath: directory.url("k.pub"))
        let secret = try BundleKeyFile.readSecretKey(at: directory.url("k.sec"))
        #expect(secret.publicKey.rawRepresentation == publicKey.rawRepresentation)
        #expect(try BundleKeyFile.readPublicKey(at: directory.url("k.pub")).rawRepresentation == publicKey.rawRepresentation)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: directory.url("k.sec"))[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let before = FileManager.default.contents(atPath: directory.url("k.sec"))
        #expect(throws: BundleError.self) {
            try BundleKeyFile.writeNewKeyPair(secretKeyPath: directory.url("k.sec"), publicKeyPath: directory.url("other.pub"))
        }
        #expect(FileManager.default.contents(atPath: directory.url("k.sec")) == before)
        #expect(!FileManager.default.fileExists(atPath: directory.url("other.pub")))
    }

    @Test("swapped, truncated or garbled key files are refused with a reason", arguments: [
        ("relive-ed25519-secret-key AAAA\n", "32 bytes"),
        ("relive-ed25519-public-key \(Data(count: 32).base64EncodedString())\n", "holds a relive-ed25519-public-key"),
        ("just some text\n", "expected one line"),
        ("", "expected one line"),
    ])
    func malformed(text: String, message: String) {
        #expect {
            try BundleKeyFile.parseSecretKey(text, source: "test.key")
        } throws: { error in
            (error as? BundleError).map { $0.kind == .invalidInput && $0.entry == "test.key" && $0.message.contains(message) } ?? false
        }
    }

    @Test("a public key file is refused where a secret key is expected and the other way round")
    func swapped() {
        let key = Curve25519.Signing.PrivateKey()
        #expect(throws: BundleError.self) { try BundleKeyFile.parsePublicKey(BundleKeyFile.render(key), source: "s") }
        #expect(throws: BundleError.self) { try BundleKeyFile.parseSecretKey(BundleKeyFile.render(key.publicKey), source: "p") }
        #expect((try? BundleKeyFile.parsePublicKey(BundleKeyFile.render(key.publicKey), source: "p"))?.rawRepresentation == key.publicKey.rawRepresentation)
    }
}
