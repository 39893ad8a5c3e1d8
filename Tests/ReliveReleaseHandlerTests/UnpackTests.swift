import Crypto
import Foundation
import ReliveBundles
import ReliveCodeServer
import ReliveKit
import ReliveReleaseHandler
import ReliveReleases
import ReliveRuntime
import Testing

@Suite(.serialized) struct UnpackTests {
    /// A root on txrel 1.0.0, and bundles of 2.0.0 made from InstallRoot's files.
    static func setUp(relVersion: String = "2.0.0", key: Curve25519.Signing.PrivateKey? = nil) async throws -> (root: String, bundle: String) {
        let root = try await InstallRoot.make()
        if relVersion != "2.0.0" {
            let rel = ReleaseSpec(name: "txrel", vsn: relVersion, runtimeVsn: "1", applications: [.init(name: "txapp", vsn: "2.0.0")])
            try TermFile.write([rel.term], to: "\(root)/releases/2.0.0/txrel.rel")
        }
        var files: [BundleFile] = []
        for dir in ["lib/txapp-2.0.0", "releases/2.0.0"] {
            let base = "\(root)/\(dir)"
            for case let rel as String in FileManager.default.enumerator(atPath: base)! {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: "\(base)/\(rel)", isDirectory: &isDir), !isDir.boolValue {
                    files.append(BundleFile(source: "\(base)/\(rel)", path: "\(dir)/\(rel)"))
                }
            }
        }
        let bundle = root + ".tar.gz"
        _ = try BundleBuilder(releaseName: "txrel", releaseVersion: "2.0.0", files: files, signingKey: key).build(to: bundle)
        for dir in ["lib/txapp-2.0.0", "releases/2.0.0"] { try FileManager.default.removeItem(atPath: "\(root)/\(dir)") }
        return (root, bundle)
    }

    static func handler(_ root: String, _ node: Node, _ configure: (inout ReleaseHandler.Configuration) -> Void = { _ in }) throws -> ReleaseHandler {
        var config = ReleaseHandler.Configuration(root: root)
        configure(&config)
        let handler = try ReleaseHandler(node: node, code: CodeServer(node: node), configuration: config)
        if handler.whichReleases().isEmpty { try handler.adoptInitialRelease("1.0.0") }
        return handler
    }

    @Test func onlySignedBundlesByDefaultAndUnsignedOnlyWhenAllowed() async throws {
        let (root, bundle) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: bundle) }
        let node = Node(name: "unpack0@test")
        defer { node.shutdown() }
        // A leftover of a killed unpack.
        try FileManager.default.createDirectory(atPath: root + "/.relive-unpack-AbC123/lib", withIntermediateDirectories: true)

        let strict = try Self.handler(root, node)
        let error = #expect(throws: ReleaseHandlerError.self) { try strict.unpack(bundleAt: bundle) }
        #expect(error?.kind == "unsigned")
        #expect(!FileManager.default.fileExists(atPath: root + "/releases/2.0.0"))
        #expect(!FileManager.default.fileExists(atPath: root + "/.relive-unpack-AbC123"))

        let lenient = try Self.handler(root, node) { $0.allowUnsigned = true }
        let report = try lenient.unpack(bundleAt: bundle)
        #expect(report.vsn == "2.0.0" && !report.signed)
        #expect(lenient.whichReleases().map(\.status) == [.permanent, .unpacked])
        #expect(try lenient.checkInstall("2.0.0").downgrade == false)

        try lenient.remove("2.0.0")
        #expect(!FileManager.default.fileExists(atPath: root + "/releases/2.0.0"))
        #expect(!FileManager.default.fileExists(atPath: root + "/lib/txapp-2.0.0"))
        #expect(FileManager.default.fileExists(atPath: root + "/lib/txapp-1.0.0"))
    }

    @Test func aBundleSignedByATrustedKeyIsUnpacked() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let (root, bundle) = try await Self.setUp(key: key)
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: bundle) }
        let node = Node(name: "unpack1@test")
        defer { node.shutdown() }
        let other = try Self.handler(root, node) { $0.trustedKeys = [Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)] }
        #expect(throws: ReleaseHandlerError.self) { try other.unpack(bundleAt: bundle) }
        let trusting = try Self.handler(root, node) { $0.trustedKeys = [Array(key.publicKey.rawRepresentation)] }
        #expect(try trusting.unpack(bundleAt: bundle).signed)
    }

    @Test func aBundleWhoseRelDisagreesIsRefusedAndRemoved() async throws {
        let (root, bundle) = try await Self.setUp(relVersion: "3.0.0")
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: bundle) }
        let node = Node(name: "unpack2@test")
        defer { node.shutdown() }
        let handler = try Self.handler(root, node) { $0.allowUnsigned = true }
        let error = #expect(throws: ReleaseHandlerError.self) { try handler.unpack(bundleAt: bundle) }
        #expect(error?.kind == "bad_release")
        #expect(handler.whichReleases().map(\.vsn) == ["1.0.0"])
        #expect(!FileManager.default.fileExists(atPath: root + "/releases/2.0.0"))
        #expect(!FileManager.default.fileExists(atPath: root + "/lib/txapp-2.0.0"))
    }

    @Test func anInstalledPluginChangedAfterItsManifestWasVerifiedIsNotLoaded() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let (root, bundle) = try await Self.setUp(key: key)
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: bundle) }
        let publicKey = Array(key.publicKey.rawRepresentation)
        let node = Node(name: "unpack3@test")
        defer { node.shutdown() }
        try await node.run { p in
            let code = CodeServer(node: node)
            try code.load(pluginAt: "\(root)/lib/txapp-1.0.0/txapp-1.0.0.so")
            let server = try #require(try await GenServer.start("tx_server", args: .int(7), link: false, from: p).pid)
            var config = ReleaseHandler.Configuration(root: root)
            config.trustedKeys = [publicKey]
            let handler = try ReleaseHandler(node: node, code: code, configuration: config)
            try handler.adoptInitialRelease("1.0.0")
            #expect(try handler.unpack(bundleAt: bundle).signed)

            // Changed on disk after the verified unpack: one byte appended.
            let plugin = "\(root)/lib/txapp-2.0.0/txapp-2.0.0.so"
            let file = try #require(FileHandle(forWritingAtPath: plugin))
            try file.seekToEnd()
            try file.write(contentsOf: Data([0]))
            try file.close()

            let error = await #expect(throws: ReleaseHandlerError.self) { try await handler.install("2.0.0", from: p) }
            #expect(error?.description.contains("txapp-2.0.0.so") == true)
            #expect(code.plugins.map(\.version) == ["1.0.0"])
            #expect(node.modules.current("tx_server")?.version == "1.0.0")
            #expect(try await GenServer.call(server, .atom("version"), process: p) == "1.0.0")
            #expect(handler.whichReleases().map(\.status) == [.permanent, .unpacked])
        }
    }
}
