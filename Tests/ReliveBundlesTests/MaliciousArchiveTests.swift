import Foundation
import Testing
@testable import ReliveBundles

@Suite("Refusing hostile and broken archives")
struct MaliciousArchiveTests {
    @Test("each hostile archive is refused with an error naming the entry; nothing is written anywhere", arguments: MaliciousCase.allCases)
    func refused(_ hostile: MaliciousCase) throws {
        let sandbox = try TemporaryDirectory()
        try sandbox.write("root/lib/existing-1.0/keep.txt", "installed before")
        try sandbox.write("outside/keep.txt", "not to be touched")
        try hostile.archive.write(to: sandbox.url("hostile.tar.gz"))
        let before = TreeSnapshot.take(sandbox.path)
        // Low limits for the bombs, far above what the other cases need.
        let limits = BundleLimits(maximumTotalBytes: 16 << 20, maximumEntryBytes: 8 << 20)

        let error = try #require(throws: BundleError.self) {
            try BundleUnpacker(limits: limits).unpack(bundleAt: sandbox.url("hostile.tar.gz"), into: sandbox.url("root"))
        }
        #expect(error.kind == .refused, "\(error)")
        if let entry = hostile.expectation.entry {
            #expect(error.entry == entry, "\(error)")
        }
        #expect(error.message.contains(hostile.expectation.message), "\(error)")
        #expect(TreeSnapshot.take(sandbox.path) == before)
        #expect(!FileManager.default.fileExists(atPath: MaliciousCase.absoluteTarget))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/escape.txt"))

        // Verifying refuses it the same way, without writing anything.
        let verifyError = try #require(throws: BundleError.self) {
            try BundleVerifier(limits: limits).verify(bundleAt: sandbox.url("hostile.tar.gz"))
        }
        #expect(verifyError == error)
    }

    @Test("a real compression bomb (honest headers and manifest) is a few KiB on disk and refused before its data is decompressed")
    func compressionBomb() throws {
        let sandbox = try TemporaryDirectory()
        try MaliciousCase.compressionBomb.archive.write(to: sandbox.url("bomb.tar.gz"))
        let size = try #require(try FileManager.default.attributesOfItem(atPath: sandbox.url("bomb.tar.gz"))[.size] as? Int)
        #expect(size < 200_000, "\(size) bytes")
        // Over the limits only together: 24 MiB against a 16 MiB total.
        let limits = BundleLimits(maximumTotalBytes: 16 << 20, maximumEntryBytes: 8 << 20)
        let error = try #require(throws: BundleError.self) {
            try BundleUnpacker(limits: limits).unpack(bundleAt: sandbox.url("bomb.tar.gz"), into: sandbox.url("root"))
        }
        #expect(error.message.contains("total limit"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.url("root")))
    }

    @Test("the 1 GiB sparse bomb is refused by the default limits too when its manifest promises more than a file may hold")
    func defaultLimits() throws {
        let sandbox = try TemporaryDirectory()
        var archive = MaliciousCase.bombPromisedByManifest.archive
        // Claim 2 GiB so the default 1 GiB per-file limit applies.
        let text = "relive-bundle-manifest 1\nrelease demo 1.0.0\n\(String(repeating: "0", count: 64))  \(2 << 30)  0644  lib/a-1/big\n"
        archive.entries[0] = CraftedArchive.manifest(text: text)
        try archive.write(to: sandbox.url("bomb.tar.gz"))
        let size = try #require(try FileManager.default.attributesOfItem(atPath: sandbox.url("bomb.tar.gz"))[.size] as? Int)
        #expect(size < 100_000)
        let error = try #require(throws: BundleError.self) {
            try BundleUnpacker().unpack(bundleAt: sandbox.url("bomb.tar.gz"), into: sandbox.url("root"))
        }
        #expect(error.message.contains("per-file limit"), "\(error)")
    }
}
