import Foundation
import Testing
@testable import ReliveBundles
import ReliveSystem

@Suite("Staging directory (the second wall)")
struct StagingDirectoryTests {
    /// Even if a symbolic link appeared inside staging (it never should: names
    /// are validated and links refused before they get here), writes do not
    /// follow it.
    @Test("writes never follow a symbolic link planted inside staging")
    func noFollow() throws {
        let sandbox = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: sandbox.url("outside"), withIntermediateDirectories: true)
        let staging = try StagingDirectory(in: sandbox.path)
        defer { FileSystem.removeTree(staging.path) }
        try FileManager.default.createSymbolicLink(atPath: "\(staging.path)/lib", withDestinationPath: sandbox.url("outside"))
        try FileManager.default.createDirectory(atPath: "\(staging.path)/releases", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(staging.path)/releases/x", withDestinationPath: sandbox.url("outside/x"))

        #expect(throws: SystemError.self) { try staging.makeDirectory("lib/a-1") }
        #expect(throws: SystemError.self) {
            try staging.beginFile(BundleManifestEntry(path: "lib/a-1/f", size: 1, sha256: "", isExecutable: false))
        }
        #expect(throws: SystemError.self) {
            try staging.beginFile(BundleManifestEntry(path: "releases/x", size: 1, sha256: "", isExecutable: false))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.url("outside")).isEmpty)
    }

    @Test("files get exact modes whatever the umask; directories 0755")
    func modes() throws {
        let sandbox = try TemporaryDirectory()
        let staging = try StagingDirectory(in: sandbox.path)
        defer { FileSystem.removeTree(staging.path) }
        let old = umask(0o077)
        defer { umask(old) }
        try staging.beginFile(BundleManifestEntry(path: "lib/a-1/run", size: 0, sha256: "", isExecutable: true))
        try staging.endFile()
        try staging.writeFile("lib/a-1/data", bytes: [1])
        let snapshot = TreeSnapshot.take(staging.path)
        #expect(snapshot["lib"]?.hasPrefix("dir 755") == true)
        #expect(snapshot["lib/a-1/run"]?.hasPrefix("file 755") == true)
        #expect(snapshot["lib/a-1/data"]?.hasPrefix("file 644") == true)
    }
}
