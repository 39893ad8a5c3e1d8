import Foundation
import ReliveCodeServer
import ReliveKit
import ReliveReleaseHandler
import ReliveReleases
import ReliveRuntime
import ReliveTestSupport
import Testing

@Suite(.serialized) struct ReleaseBootTests {
    /// A root with release `boot-1`: txapp 1.0.0 (a library application that
    /// needs counter, listed first) and counter 1.0.0 (started by its top
    /// supervisor counter_sup, args [5]), a sys.config for counter, and a
    /// RELEASES that still lists an installed-but-not-permanent release.
    static func makeRoot() async throws -> String {
        let root = try await InstallRoot.make()
        let fm = FileManager.default
        let lib = "\(root)/lib/counter-1.0.0"
        try fm.createDirectory(atPath: lib + "/ebin", withIntermediateDirectories: true)
        try fm.copyItem(atPath: try await PluginFixtures.shared.fixture("counter", "1.0.0"), toPath: "\(lib)/counter-1.0.0.so")
        let counter = ApplicationResource(name: "counter", vsn: "1.0.0", modules: ["counter", "counter_sup", "counter_pool"],
                                          applications: ["kernel", "stdlib"], mod: StartModule(module: "counter_sup", args: [5]),
                                          env: [KeyValue(key: "greeting", value: "from .app")])
        try TermFile.write([counter.term], to: "\(lib)/ebin/counter.app")
        let tx = ApplicationResource(name: "txapp", vsn: "1.0.0", modules: ["tx_server"], applications: ["kernel", "counter"])
        try TermFile.write([tx.term], to: "\(root)/lib/txapp-1.0.0/ebin/txapp.app")
        let rel = ReleaseSpec(name: "txrel", vsn: "1.0.0", runtimeVsn: "1",
                              applications: [.init(name: "txapp", vsn: "1.0.0"), .init(name: "counter", vsn: "1.0.0")])
        try TermFile.write([rel.term], to: "\(root)/releases/1.0.0/txrel.rel")
        let config = SysConfig(entries: [.application("counter", [KeyValue(key: "greeting", value: "from sys.config")])])
        try TermFile.write([config.term], to: "\(root)/releases/1.0.0/sys.config")
        return root
    }

    @Test func aNodeBootsThePermanentReleaseOfItsRoot() async throws {
        let root = try await Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let node = Node(name: "boot@test")
        defer { node.shutdown() }
        try await node.run { p in
            // As after a crash between install and make_permanent: RELEASES says 2.0.0 current.
            let code = CodeServer(node: node)
            let handler = try ReleaseHandler(node: node, code: code, configuration: .init(root: root))
            try handler.adoptInitialRelease("1.0.0")
            try handler.recordUnpacked("2.0.0")
            var file = try ReleasesFile.read(path: root + "/releases/RELEASES")
            file.releases[1].status = .current
            try handler.store.writeReleases(file)

            let booting = try ReleaseHandler(node: node, code: code, configuration: .init(root: root))
            let report = try await ReleaseBoot.boot(booting, node: node, code: code, from: p)
            #expect(report.vsn == "1.0.0" && report.name == "txrel")
            #expect(report.started == ["counter", "txapp"])   // dependencies first
            #expect(Set(code.plugins.map { "\($0.application)-\($0.version)" }) == ["counter-1.0.0", "txapp-1.0.0"])
            #expect(node.applications.environment("counter", "greeting") == "from sys.config")
            let counter = try #require(node.whereis("counter"))
            #expect(try await GenServer.call(counter, .atom("get"), process: p) == 5)
            #expect(try await GenServer.call(counter, .atom("version"), process: p) == "1.0.0")
            #expect(booting.whichReleases().map(\.status) == [.permanent, .unpacked])
            #expect(try ReleasesFile.read(path: root + "/releases/RELEASES").releases.map(\.status) == [.permanent, .unpacked])
        }
    }

    @Test func aRootWithoutAPermanentReleaseIsRefused() async throws {
        let root = try await InstallRoot.make()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let node = Node(name: "boot2@test")
        defer { node.shutdown() }
        try await node.run { p in
            let code = CodeServer(node: node)
            let handler = try ReleaseHandler(node: node, code: code, configuration: .init(root: root))
            let error = await #expect(throws: ReleaseHandlerError.self) { try await ReleaseBoot.boot(handler, node: node, code: code, from: p) }
            #expect(error?.kind == "no_permanent_release")
            #expect(code.plugins.isEmpty)
        }
    }
}
