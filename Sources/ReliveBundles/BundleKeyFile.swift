import Crypto
import Foundation
import Glibc
import ReliveSystem

/// The key file format: one line of text, a type tag, one space, the raw
/// 32-byte Ed25519 key in standard base64, a newline.
///
/// ```
/// relive-ed25519-secret-key <base64 of 32 bytes>
/// relive-ed25519-public-key <base64 of 32 bytes>
/// ```
/// The tag keeps a secret key from being handed out as a public one (and
/// the other way round). Surrounding whitespace is ignored when reading.
public enum BundleKeyFile {
    static let secretTag = "relive-ed25519-secret-key"
    static let publicTag = "relive-ed25519-public-key"

    /// The text of a secret (signing) key file.
    public static func render(_ key: Curve25519.Signing.PrivateKey) -> String {
        "\(secretTag) \(key.rawRepresentation.base64EncodedString())\n"
    }

    /// The text of a public (verifying) key file.
    public static func render(_ key: Curve25519.Signing.PublicKey) -> String {
        "\(publicTag) \(key.rawRepresentation.base64EncodedString())\n"
    }

    /// Parses a secret key file's text.
    /// - Parameter source: names the file in errors.
    /// - Throws: ``BundleError`` (invalid input) saying what is wrong.
    public static func parseSecretKey(_ text: String, source: String) throws -> Curve25519.Signing.PrivateKey {
        let raw = try keyBytes(text, tag: secretTag, otherTag: publicTag, source: source)
        do {
            return try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        } catch {
            throw BundleError.invalidInput(source, "not a valid Ed25519 secret key: \(error)")
        }
    }

    /// Parses a public key file's text.
    /// - Parameter source: names the file in errors.
    /// - Throws: ``BundleError`` (invalid input) saying what is wrong.
    public static func parsePublicKey(_ text: String, source: String) throws -> Curve25519.Signing.PublicKey {
        let raw = try keyBytes(text, tag: publicTag, otherTag: secretTag, source: source)
        do {
            return try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        } catch {
            throw BundleError.invalidInput(source, "not a valid Ed25519 public key: \(error)")
        }
    }

    /// Reads and parses a secret key file.
    /// - Throws: ``BundleError``: I/O when unreadable, invalid input when malformed.
    ///   A file readable or writable by group or others is refused (as ssh
    ///   refuses such a private key): the key is no longer secret.
    public static func readSecretKey(at path: String) throws -> Curve25519.Signing.PrivateKey {
        try BundleError.mappingSystemErrors {
            // One descriptor for the mode check and the read: the file checked is the file read.
            let file = try OpenFile.open(path, flags: O_RDONLY | O_NONBLOCK)
            let mode = try file.status().st_mode
            guard mode & 0o077 == 0 else {
                throw BundleError.invalidInput(
                    path, "secret key file has mode \(String(mode & 0o777, radix: 8)); it must not be accessible by group or others (chmod 600 \(path))"
                )
            }
            return try parseSecretKey(String(decoding: FileSystem.readSmall(file, limit: 4096), as: UTF8.self), source: path)
        }
    }

    /// Reads and parses a public key file.
    /// - Throws: ``BundleError``: I/O when unreadable, invalid input when malformed.
    public static func readPublicKey(at path: String) throws -> Curve25519.Signing.PublicKey {
        try BundleError.mappingSystemErrors { try parsePublicKey(readSmallText(at: path), source: path) }
    }

    /// Generates a key pair and writes it: the secret key file with mode
    /// 0600, the public one 0644, both created exclusively (an existing file
    /// is never overwritten).
    /// - Returns: the public key.
    /// - Throws: ``BundleError`` (I/O) when a file exists or cannot be written;
    ///   a secret key file already written is removed again.
    @discardableResult
    public static func writeNewKeyPair(secretKeyPath: String, publicKeyPath: String) throws -> Curve25519.Signing.PublicKey {
        try BundleError.mappingSystemErrors { try writeKeyPair(secretKeyPath: secretKeyPath, publicKeyPath: publicKeyPath) }
    }

    private static func writeKeyPair(secretKeyPath: String, publicKeyPath: String) throws -> Curve25519.Signing.PublicKey {
        let key = Curve25519.Signing.PrivateKey()
        try writeExclusive(Array(render(key).utf8), to: secretKeyPath, mode: 0o600)
        do {
            try writeExclusive(Array(render(key.publicKey).utf8), to: publicKeyPath, mode: 0o644)
        } catch {
            unlink(secretKeyPath)
            throw error
        }
        return key.publicKey
    }

    private static func writeExclusive(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let file = try OpenFile.open(path, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: mode)
        try file.setPermissions(mode)
        try file.writeAll(bytes)
        try file.sync()
    }

    private static func keyBytes(_ text: String, tag: String, otherTag: String, source: String) throws -> Data {
        let fields = text.split(whereSeparator: \.isWhitespace)
        if fields.first.map(String.init) == otherTag {
            throw BundleError.invalidInput(source, "holds a \(otherTag), expected a \(tag)")
        }
        guard fields.count == 2, fields[0] == tag else {
            throw BundleError.invalidInput(source, "expected one line '\(tag) <base64 of 32 bytes>'")
        }
        guard let raw = Data(base64Encoded: String(fields[1])), raw.count == 32 else {
            throw BundleError.invalidInput(source, "key is not base64 of exactly 32 bytes")
        }
        return raw
    }

    private static func readSmallText(at path: String) throws -> String {
        let bytes = try FileSystem.readSmallFile(at: path, limit: 4096)
        return String(decoding: bytes, as: UTF8.self)
    }
}
