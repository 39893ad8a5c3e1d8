import Crypto
import Foundation
import Testing
@testable import ReliveBundles

@Suite("Unpacking bundles")
struct BundleUnpackerTests {
    /// The expected root after unpacking `fixtures` (later ones win on
    /// `releases/<name>.rel`), as a snapshot: files, modes, hashes.
    private func expectedSnapshot(_ fixtures: [ReleaseFixture], signed: Bool = false, in directory: TemporaryDirectory) throws -> [String: String] {
        let model = try TemporaryDirectory()
        for fixture in fixtures {
            for (path, bytes) in fixture.contents {
                try model.write(path, bytes, mode: fixture.executables.contains(path) ? 0o755 : 0o644)
            }
        }
        var snapshot = TreeSnapshot.take(model.path)
        for fixture in fixtures {
            snapshot["releases/\(fixture.version)/MANIFEST"] = "manifest"
            if signed { snapshot["releases/\(fixture.version)/MANIFEST.sig"] = "signature" }
        }
        return snapshot
    }

    /// A root's snapshot with the manifest records' content blurred (their
    /// exact bytes are checked separately).
    private func snapshot(_ root: String) -> [String: String] {
        var result = TreeSnapshot.take(root)
        for key in result.keys where key.hasSuffix("/MANIFEST") { result[key] = "manifest" }
        for key in result.keys where key.hasSuffix("/MANIFEST.sig") { result[key] = "signature" }
        return result
    }

    @Test("unpacking gives exactly the release's files, modes and a copy of the manifest", arguments: BundleCompression.allCases)
    func roundTrip(compression: BundleCompression) throws {
        let directory = try TemporaryDirectory()
        let fixture = try ReleaseFixture(in: directory)
        let manifest = try fixture.builder(compression: compression).build(to: directory.url("r.bundle"))
        let contents = try BundleUnpacker().unpack(bundleAt: directory.url("r.bundle"), into: directory.url("root"))
        #expect(contents.manifest == manifest)
        #expect(contents.signature == .absent)
        #expect(contents.applications == [BundleApplication(name: "counter", version: "2.0.0"), BundleApplication(name: "logger", version: "1.3.0")])
        #expect(snapshot(directory.url("root")) == (try expectedSnapshot([fixture], in: directory)))
        let record = FileManager.default.contents(atPath: directory.url("root/releases/2.0.0/MANIFEST"))
        #expect(record.map(Array.init) == manifest.render())
    }

    @Test("a required signature: the right key passes; a wrong key, no signature or an altered one is refused")
    func signatures() throws {
        let directory = try TemporaryDirectory()
        let fixture = try ReleaseFixture(in: directory)
        let key = Curve25519.Signing.PrivateKey()
        var builder = fixture.builder()
        builder.signingKey = key
        try builder.build(to: directory.url("signed.tar.gz"))
        try fixture.builder().build(to: directory.url("unsigned.tar.gz"))
        var altered = try CraftedArchive(reading: directory.url("signed.tar.gz"))
        let signatureIndex = try #require(altered.index(of: "MANIFEST.sig"))
        let otherSignature = try Curve25519.Signing.PrivateKey().signature(for: altered.entries[0].data)
        altered.entries[signatureIndex].data = Array((otherSignature.base64EncodedString() + "\n").utf8)
        try altered.write(to: directory.url("altered.tar.gz"))

        let require = BundleUnpacker(signaturePolicy: .require(key.publicKey), synchronizes: false)
        let contents = try require.unpack(bundleAt: directory.url("signed.tar.gz"), into: directory.url("root-ok"))
        #expect(contents.signature == .valid)
        #expect(FileManager.default.fileExists(atPath: directory.url("root-ok/releases/2.0.0/MANIFEST.sig")))

        let wrongKey = BundleUnpacker(signaturePolicy: .require(Curve25519.Signing.PrivateKey().publicKey), synchronizes: false)
        for (unpacker, bundle, message) in [
            (wrongKey, "signed.tar.gz", "does not verify"),
            (require, "unsigned.tar.gz", "missing"),
            (require, "altered.tar.gz", "does not verify"),
        ] {
            let error = try #require(throws: BundleError.self) {
                try unpacker.unpack(bundleAt: directory.url(bundle), into: directory.url("root-bad"))
            }
            #expect(error.kind == .refused)
            #expect(error.entry == "MANIFEST.sig")
            #expect(error.message.contains(message), "\(error)")
            #expect(!FileManager.default.fileExists(atPath: directory.url("root-bad")))
        }

        let check = BundleVerifier(signaturePolicy: .check(key.publicKey))
        #expect(try check.verify(bundleAt: directory.url("signed.tar.gz")).signature == .valid)
        #expect(try check.verify(bundleAt: directory.url("altered.tar.gz")).signature == .invalid)
        #expect(try check.verify(bundleAt: directory.url("unsigned.tar.gz")).signature == .absent)
        #expect(try BundleVerifier().verify(bundleAt: directory.url("signed.tar.gz")).signature == .unchecked)
    }

    @Test("a changed file content is refused with a hash mismatch; the root is untouched")
    func tamperedContent() throws {
        let directory = try TemporaryDirectory()
        let fixture = try ReleaseFixture(in: directory)
        try fixture.builder().build(to: directory.url("r.tar.gz"))
        var archive = try CraftedArchive(reading: directory.url("r.tar.gz"))
        let index = try #require(archive.index(of: "lib/counter-2.0.0/counter-2.0.0.so"))
        archive.entries[index].data[1000] ^= 0xff
        try archive.write(to: directory.url("tampered.tar.gz"))

        try directory.write("root/lib/existing-1.0/keep.txt", "keep")
        let before = TreeSnapshot.take(directory.url("root"))
        let error = try #require(throws: BundleError.self) {
            try BundleUnpacker().unpack(bundleAt: directory.url("tampered.tar.gz"), into: directory.url("root"))
        }
        #expect(error.kind == .refused)
        #expect(error.entry == "lib/counter-2.0.0/counter-2.0.0.so")
        #expect(error.message.contains("SHA-256 mismatch"))
        #expect(TreeSnapshot.take(directory.url("root")) == before)
        #expect(throws: BundleError.self) { try BundleVerifier().verify(bundleAt: directory.url("tampered.tar.gz")) }
    }

    @Test("an upgrade unpacks beside the old release, shares identical apps and replaces releases/<name>.rel")
    func upgrade() throws {
        let directory = try TemporaryDirectory()
        let old = try ReleaseFixture(in: directory, version: "2.0.0", seed: 1)
        let new = try ReleaseFixture(in: directory, version: "3.0.0", seed: 2)
        try old.builder().build(to: directory.url("old.tar.gz"))
        try new.builder().build(to: directory.url("new.tar.gz"))
        try BundleUnpacker().unpack(bundleAt: directory.url("old.tar.gz"), into: directory.url("root"))
        try BundleUnpacker().unpack(bundleAt: directory.url("new.tar.gz"), into: directory.url("root"))
        #expect(snapshot(directory.url("root")) == (try expectedSnapshot([old, new], in: directory)))
        #expect(FileManager.default.contents(atPath: directory.url("root/releases/demo.rel")).map(Array.init) == new.contents["releases/demo.rel"])
    }

    @Test("unpacking the same bundle again succeeds and changes nothing")
    func idempotent() throws {
        let directory = try TemporaryDirectory()
        let fixture = try ReleaseFixture(in: directory)
        try fixture.builder().build(to: directory.url("r.tar.gz"))
        try BundleUnpacker().unpack(bundleAt: directory.url("r.tar.gz"), into: directory.url("root"))
        let first = TreeSnapshot.take(directory.url("root"))
        try BundleUnpacker().unpack(bundleAt: directory.url("r.tar.gz"), into: directory.url("root"))
        #expect(TreeSnapshot.take(directory.url("root")) == first)
    }

    @Test("a different bundle with the same version clashes and is refused before anything moves")
    func clash() throws {
        let directory = try TemporaryDirectory()
        let installed = try ReleaseFixture(in: directory, seed: 1)
        let impostor = try ReleaseFixture(in: directory, seed: 99)
        try installed.builder().build(to: directory.url("a.tar.gz"))
        try impostor.builder().build(to: directory.url("b.tar.gz"))
        try BundleUnpacker().unpack(bundleAt: directory.url("a.tar.gz"), into: directory.url("root"))
        let before = TreeSnapshot.take(directory.url("root"))
        let error = try #require(throws: BundleError.self) {
            try BundleUnpacker().unpack(bundleAt: directory.url("b.tar.gz"), into: directory.url("root"))
        }
        #expect(error.kind == .refused)
        #expect(error.message.contains("different content"), "\(error)")
        #expect(TreeSnapshot.take(directory.url("root")) == before)
    }

    @Test("a symbolic link already in the root where the bundle puts a directory is a clash, not followed")
    func symlinkInRoot() throws {
        let directory = try TemporaryDirectory()
        let fixture = try ReleaseFixture(in: directory)
        try fixture.builder().build(to: directory.url("r.tar.gz"))
        try FileManager.default.createDirectory(atPath: directory.url("root"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.url("elsewhere"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.url("root/lib"), withDestinationPath: directory.url("elsewhere"))
        let error = try #require(throws: BundleError.self) {
            try BundleUnpacker().unpack(bundleAt: directory.url("r.tar.gz"), into: directory.url("root"))
        }
        #expect(error.kind == .refused)
        #expect(error.entry == "lib")
        #expect(TreeSnapshot.take(directory.url("elsewhere")).isEmpty)
    }

    @Test("bomb limits: total bytes and entry count, configurable")
    func limits() throws {
        let directory = try TemporaryDirectory()
        let fixture = try ReleaseFixture(in: directory)
        try fixture.builder().build(to: directory.url("r.tar.gz"))
        let cases: [(BundleLimits, String)] = [
            (BundleLimits(maximumTotalBytes: 100_000), "total limit"),
            (BundleLimits(maximumEntryBytes: 100_000), "per-file limit"),
            (BundleLimits(maximumEntryCount: 5), "entries"),
            (BundleLimits(maximumManifestBytes: 100), "limit"),
        ]
        for (limits, message) in cases {
            let error = try #require(throws: BundleError.self) {
                try BundleUnpacker(limits: limits).unpack(bundleAt: directory.url("r.tar.gz"), into: directory.url("root"))
            }
            #expect(error.kind == .refused)
            #expect(error.message.contains(message), "\(error)")
            #expect(!FileManager.default.fileExists(atPath: directory.url("root")))
        }
    }

    @Test("a truncated or corrupt bundle is refused; a root the unpack created is removed again")
    func truncatedAndCorrupt() throws {
        let directory = try TemporaryDirectory()
        let fixture = try ReleaseFixture(in: directory)
        try fixture.builder().build(to: directory.url("r.tar.gz"))
        let bytes = try #require(FileManager.default.contents(atPath: directory.url("r.tar.gz")))
        try directory.write("truncated.tar.gz", Array(bytes.prefix(bytes.count / 2)))
        var corrupt = Array(bytes)
        for offset in stride(from: 200, to: 260, by: 3) { corrupt[offset] ^= 0x5a }
        try directory.write("corrupt.tar.gz", corrupt)
        try directory.write("empty.tar.gz", [])
        try directory.write("garbage.tar.gz", Array("this is not an archive at all".utf8))
        for name in ["truncated.tar.gz", "corrupt.tar.gz", "empty.tar.gz", "garbage.tar.gz"] {
            let error = try #require(throws: BundleError.self) {
                try BundleUnpacker().unpack(bundleAt: directory.url(name), into: directory.url("root"))
            }
            #expect(error.kind == .refused, "\(name): \(error)")
            #expect(!FileManager.default.fileExists(atPath: directory.url("root")), "\(name)")
        }
    }

    @Test("a bundle that does not exist is an I/O error, not a refusal")
    func missingBundle() throws {
        let directory = try TemporaryDirectory()
        let error = try #require(throws: BundleError.self) {
            try BundleUnpacker().unpack(bundleAt: directory.url("nope.tar.gz"), into: directory.url("root"))
        }
        #expect(error.kind == .io)
        #expect(error.entry == directory.url("nope.tar.gz"))
    }
}
