import Foundation
import Glibc
import Testing
@testable import ReliveBundles
@_spi(Testing) import ReliveSystem

@Suite("Bundle hardening", .serialized)
struct BundleHardeningTests {
    @Test("a root folder swapped for a symbolic link between plan and move is refused, not followed")
    func folderSwappedForLink() throws {
        let directory = try TemporaryDirectory()
        let old = try ReleaseFixture(in: directory, version: "2.0.0", seed: 1)
        let new = try ReleaseFixture(in: directory, version: "3.0.0", seed: 2)
        try old.builder().build(to: directory.url("old.tar.gz"))
        try new.builder().build(to: directory.url("new.tar.gz"))
        try BundleUnpacker().unpack(bundleAt: directory.url("old.tar.gz"), into: directory.url("root"))
        try FileManager.default.createDirectory(atPath: directory.url("elsewhere"), withIntermediateDirectories: true)

        var unpacker = BundleUnpacker()
        // Planned against the real lib/; by the moves it is a link to elsewhere.
        unpacker.beforeMoves = {
            guard rename(directory.url("root/lib"), directory.url("lib-real")) == 0,
                  symlink(directory.url("elsewhere"), directory.url("root/lib")) == 0
            else { throw TestFailure("swap failed: errno \(errno)") }
        }
        let error = try #require(throws: BundleError.self) {
            try unpacker.unpack(bundleAt: directory.url("new.tar.gz"), into: directory.url("root"))
        }
        #expect(error.kind == .io, "\(error)")
        // O_NOFOLLOW | O_DIRECTORY on a link: ENOTDIR (or ELOOP without O_DIRECTORY).
        #expect(error.message.contains("errno \(ENOTDIR)") || error.message.contains("errno \(ELOOP)"), "\(error)")
        #expect(TreeSnapshot.take(directory.url("elsewhere")).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory.url("root/releases/3.0.0")))
    }

    @Test("the last syncfs failing after the moves is reported as installed, not yet durable — not as a refusal")
    func notDurable() throws {
        let directory = try TemporaryDirectory()
        let fixture = try ReleaseFixture(in: directory)
        try fixture.builder().build(to: directory.url("r.tar.gz"))
        // The first syncfs (before the moves) succeeds, the second fails.
        let error = try #require(throws: BundleNotDurableError.self) {
            try SystemFaults.with(SystemFault(operation: "syncfs", errno: EIO, skip: 1)) {
                try BundleUnpacker().unpack(bundleAt: directory.url("r.tar.gz"), into: directory.url("root"))
            }
        }
        #expect(error.cause.operation == "syncfs")
        #expect(error.description.contains("not yet durable"))
        #expect(error.contents.releaseVersion == fixture.version)
        // Everything is in place.
        for (path, bytes) in fixture.contents {
            #expect(FileManager.default.contents(atPath: directory.url("root/\(path)")).map(Array.init) == bytes, "\(path)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url("root")).filter { $0.hasPrefix(".relive-unpack-") }
        #expect(leftovers.isEmpty)
    }

    @Test("a syncfs failing before the moves is an I/O refusal that leaves the root unchanged")
    func syncBeforeMovesFails() throws {
        let directory = try TemporaryDirectory()
        let fixture = try ReleaseFixture(in: directory)
        try fixture.builder().build(to: directory.url("r.tar.gz"))
        try FileManager.default.createDirectory(atPath: directory.url("root"), withIntermediateDirectories: true)
        let error = try #require(throws: BundleError.self) {
            try SystemFaults.with(SystemFault(operation: "syncfs", errno: EIO)) {
                try BundleUnpacker().unpack(bundleAt: directory.url("r.tar.gz"), into: directory.url("root"))
            }
        }
        #expect(error.kind == .io)
        #expect(TreeSnapshot.take(directory.url("root")).isEmpty)
    }

    @Test("a secret key file readable by group or others is refused, as ssh does", arguments: [0o640, 0o604, 0o660, 0o644])
    func secretKeyMode(mode: Int) throws {
        let directory = try TemporaryDirectory()
        try BundleKeyFile.writeNewKeyPair(secretKeyPath: directory.url("k.sec"), publicKeyPath: directory.url("k.pub"))
        #expect(chmod(directory.url("k.sec"), mode_t(mode)) == 0)
        let error = try #require(throws: BundleError.self) { try BundleKeyFile.readSecretKey(at: directory.url("k.sec")) }
        #expect(error.kind == .invalidInput)
        #expect(error.message.contains("group or others"), "\(error)")
        #expect(chmod(directory.url("k.sec"), 0o400) == 0)
        _ = try BundleKeyFile.readSecretKey(at: directory.url("k.sec"))
    }
}
