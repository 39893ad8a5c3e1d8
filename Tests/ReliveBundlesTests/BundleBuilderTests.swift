import Crypto
import Foundation
import Glibc
import Testing
@testable import ReliveBundles

@Suite("Building bundles")
struct BundleBuilderTests {
    /// Builds the fixture twice from two separate copies of the sources
    /// (different source paths, different file mtimes) and compares bytes.
    @Test("the same inputs give byte-identical bundles", arguments: [BundleCompression.gzip, .zstd, .none], [false, true])
    func reproducible(compression: BundleCompression, signed: Bool) throws {
        let directory = try TemporaryDirectory()
        let key = Curve25519.Signing.PrivateKey()
        let first = try ReleaseFixture(in: directory, seed: 7)
        sleep(1) // the second copy gets different file mtimes
        let secondDirectory = try TemporaryDirectory()
        let second = try ReleaseFixture(in: secondDirectory, seed: 7)
        #expect(first.files.map(\.source) != second.files.map(\.source))

        var builderA = first.builder(compression: compression, modificationTime: 1_700_000_000)
        var builderB = second.builder(compression: compression, modificationTime: 1_700_000_000)
        if signed {
            builderA.signingKey = key
            builderB.signingKey = key
        }
        try builderA.build(to: directory.url("a.bundle"))
        try builderB.build(to: directory.url("b.bundle"))
        let a = try #require(FileManager.default.contents(atPath: directory.url("a.bundle")))
        let b = try #require(FileManager.default.contents(atPath: directory.url("b.bundle")))
        #expect(a.count > 1000)
        #expect(a == b)
    }

    @Test("a different mtime or content gives different bytes")
    func sensitive() throws {
        let directory = try TemporaryDirectory()
        let fixture = try ReleaseFixture(in: directory, seed: 7)
        try fixture.builder(modificationTime: 0).build(to: directory.url("a.tar.gz"))
        try fixture.builder(modificationTime: 1).build(to: directory.url("b.tar.gz"))
        let other = try ReleaseFixture(in: directory, seed: 8)
        try other.builder(modificationTime: 0).build(to: directory.url("c.tar.gz"))
        let a = FileManager.default.contents(atPath: directory.url("a.tar.gz"))
        #expect(a != FileManager.default.contents(atPath: directory.url("b.tar.gz")))
        #expect(a != FileManager.default.contents(atPath: directory.url("c.tar.gz")))
    }

    @Test("entries are sorted, owned by 0 with no names, one mtime, modes 0644/0755; gzip has no timestamp")
    func normalisedEntries() throws {
        let directory = try TemporaryDirectory()
        let fixture = try ReleaseFixture(in: directory)
        var builder = fixture.builder(modificationTime: 1_234_567)
        builder.signingKey = Curve25519.Signing.PrivateKey()
        try builder.build(to: directory.url("r.tar.gz"))

        let archive = try CraftedArchive(reading: directory.url("r.tar.gz"))
        let paths = archive.entries.map { String(decoding: $0.header.pathBytes, as: UTF8.self) }
        #expect(paths.prefix(2) == ["MANIFEST", "MANIFEST.sig"])
        let rest = paths.dropFirst(2).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        #expect(rest == rest.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(Set(rest).isSuperset(of: fixture.contents.keys))
        for entry in archive.entries {
            let path = String(decoding: entry.header.pathBytes, as: UTF8.self)
            #expect(entry.header.modificationTime == 1_234_567, "\(path)")
            #expect(entry.header.userID == 0 && entry.header.groupID == 0, "\(path)")
            #expect((entry.header.userName ?? "").isEmpty && (entry.header.groupName ?? "").isEmpty, "\(path)")
            switch entry.header.kind {
            case .directory:
                #expect(entry.header.permissions == 0o755, "\(path)")
            case .regularFile:
                let trimmed = path
                let expected: UInt32 = fixture.executables.contains(trimmed) ? 0o755 : 0o644
                #expect(entry.header.permissions == expected, "\(path)")
            default:
                Issue.record("unexpected entry kind \(entry.header.kind) at \(path)")
            }
        }
        let bytes = try #require(FileManager.default.contents(atPath: directory.url("r.tar.gz")))
        #expect(Array(bytes.prefix(3)) == [0x1f, 0x8b, 8])
        #expect(bytes[3] & 0x08 == 0) // no FNAME
        #expect(Array(bytes[4..<8]) == [0, 0, 0, 0]) // MTIME
    }

    @Test("long paths (pax extended headers) stay reproducible and round-trip")
    func longPaths() throws {
        let directory = try TemporaryDirectory()
        let long = "lib/app-1.0.0/priv/" + String(repeating: "d", count: 90) + "/" + String(repeating: "f", count: 120) + ".bin"
        let source = try directory.write("src/long.bin", [1, 2, 3])
        let builder = BundleBuilder(releaseName: "demo", releaseVersion: "1.0.0", files: [BundleFile(source: source, path: long)])
        try builder.build(to: directory.url("a.tar.gz"))
        try builder.build(to: directory.url("b.tar.gz"))
        #expect(FileManager.default.contents(atPath: directory.url("a.tar.gz")) == FileManager.default.contents(atPath: directory.url("b.tar.gz")))
        try BundleUnpacker(synchronizes: false).unpack(bundleAt: directory.url("a.tar.gz"), into: directory.url("root"))
        #expect(FileManager.default.contents(atPath: directory.url("root/\(long)")) == Data([1, 2, 3]))
    }

    @Test("bad input is refused, naming what is wrong, and writes no bundle", arguments: [
        ("../x", "'..'"), ("/etc/x", "absolute"), ("other/x", "outside lib/"), ("lib/a b", "0x20"),
        ("lib//x", "empty path component"), ("lib", "top-level"), ("lib/./x", "'.' component"),
        ("releases/1.0.0/MANIFEST", "reserved"),
    ])
    func refusesBadPaths(path: String, message: String) throws {
        let directory = try TemporaryDirectory()
        let source = try directory.write("src/x", "x")
        let builder = BundleBuilder(releaseName: "demo", releaseVersion: "1.0.0", files: [BundleFile(source: source, path: path)])
        let error = try #require(throws: BundleError.self) { try builder.build(to: directory.url("out.tar.gz")) }
        #expect(error.kind == .invalidInput)
        #expect(error.description.contains(message), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: directory.url("out.tar.gz")))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".relive") }
        #expect(leftovers.isEmpty)
    }

    @Test("duplicates, file/directory clashes, bad names and unreadable sources are refused")
    func refusesBadSets() throws {
        let directory = try TemporaryDirectory()
        let source = try directory.write("src/x", "x")
        let cases: [(BundleBuilder, String)] = [
            (BundleBuilder(releaseName: "demo", releaseVersion: "1", files: [
                BundleFile(source: source, path: "lib/a-1/x"), BundleFile(source: source, path: "lib/a-1/x"),
            ]), "listed twice"),
            (BundleBuilder(releaseName: "demo", releaseVersion: "1", files: [
                BundleFile(source: source, path: "lib/a-1"), BundleFile(source: source, path: "lib/a-1/x"),
            ]), "also listed as a file"),
            (BundleBuilder(releaseName: "de/mo", releaseVersion: "1", files: []), "release name"),
            (BundleBuilder(releaseName: "demo", releaseVersion: "..", files: []), "release version"),
            (BundleBuilder(releaseName: "demo", releaseVersion: "1", files: [
                BundleFile(source: directory.url("missing"), path: "lib/a-1/x"),
            ]), "missing"),
            (BundleBuilder(releaseName: "demo", releaseVersion: "1", files: [
                BundleFile(source: directory.url("src"), path: "lib/a-1/x"),
            ]), "not a regular file"),
        ]
        for (builder, message) in cases {
            let error = try #require(throws: BundleError.self) { try builder.build(to: directory.url("out.tar.gz")) }
            #expect(error.description.contains(message), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.url("out.tar.gz")))
    }

    @Test("a failed build leaves an existing bundle at the output path untouched")
    func failedBuildKeepsOldOutput() throws {
        let directory = try TemporaryDirectory()
        let old = try directory.write("out.tar.gz", "old bundle")
        let builder = BundleBuilder(releaseName: "demo", releaseVersion: "1", files: [
            BundleFile(source: directory.url("missing"), path: "lib/a-1/x"),
        ])
        #expect(throws: BundleError.self) { try builder.build(to: old) }
        #expect(FileManager.default.contents(atPath: old) == Data("old bundle".utf8))
    }

    @Test("SOURCE_DATE_EPOCH sets the default mtime; garbage in it is refused")
    func sourceDateEpoch() throws {
        #expect(try BundleBuilder.defaultModificationTime(environment: [:]) == 0)
        #expect(try BundleBuilder.defaultModificationTime(environment: ["SOURCE_DATE_EPOCH": "1700000000"]) == 1_700_000_000)
        for bad in ["", "-1", "12x", "99999999999999"] {
            #expect(throws: BundleError.self) { try BundleBuilder.defaultModificationTime(environment: ["SOURCE_DATE_EPOCH": bad]) }
        }
    }

    @Test("the file list of a directory follows the layout and refuses special files")
    func directoryListing() throws {
        let directory = try TemporaryDirectory()
        try directory.write("rel/lib/a-1/a.app", "a")
        try directory.write("rel/releases/demo.rel", "r")
        let files = try BundleFile.files(inDirectory: directory.url("rel"))
        #expect(files.map(\.path) == ["lib/a-1/a.app", "releases/demo.rel"])
        #expect(mkfifo(directory.url("rel/lib/a-1/pipe"), 0o644) == 0)
        let error = try #require(throws: BundleError.self) { try BundleFile.files(inDirectory: directory.url("rel")) }
        #expect(error.description.contains("pipe"))
    }
}
