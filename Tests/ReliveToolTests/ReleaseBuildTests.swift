import Foundation
import ReliveReleases
import Testing

/// `relive release build`, run as the real tool on projects written by the
/// tests and on a copy of the example system.
@Suite(.serialized) struct ReleaseBuildTests {
    @Test func buildsSignedReproducibleBundlesWithRelupsAndCachesPlugins() throws {
        let project = try TestProject.write()
        let keys = try Tool.run(["bundle", "keygen", "--secret-key", project.root + "/key", "--public-key", project.root + "/key.pub"])
        #expect(keys.status == 0, "\(keys.stderr)")

        let first = try project.build(["releases/tiny_rel-1.rel", "--sign", "key", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try project.build(["releases/tiny_rel-2.rel", "--upfrom", "releases/tiny_rel-1.rel", "--sign", "key", "--json"])
        #expect(second.status == 0, "\(second.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect(report["release"] as? String == "tiny_rel")
        #expect(report["version"] as? String == "2")
        #expect(report["signed"] as? Bool == true)
        let plugins = try #require(report["plugins"] as? [[String: Any]])
        #expect(plugins.map { $0["cached"] as? Bool } == [false])
        // Every module of the application is covered by its appup.
        #expect((report["warnings"] as? [String]) == [])
        #expect(second.stderr.contains("==> relup 2 from 1"))
        let bundle = try #require(report["bundle"] as? String)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: project.root + "/" + bundle))

        // The signature verifies and the layout is docs/bundles.md's.
        let inspect = try Tool.run(["bundle", "inspect", bundle, "--public-key", "key.pub"], in: project.root)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        for path in ["lib/tiny-2.0.0/tiny.app", "lib/tiny-2.0.0/tiny.appup", "lib/tiny-2.0.0/tiny-2.0.0.so",
                     "releases/tiny_rel.rel", "releases/2/tiny_rel.rel", "releases/2/relup", "releases/2/sys.config"] {
            #expect(inspect.stdout.contains("  \(path)\n"), "\(path) missing from \(inspect.stdout)")
        }

        // The relup upgrades from 1 and downgrades to it; sys.config is the project's.
        let root = try Tool.temporaryDirectory("root")
        let unpack = try Tool.run(["bundle", "unpack", bundle, "--root", root + "/node", "--public-key", "key.pub"], in: project.root)
        #expect(unpack.status == 0, "\(unpack.stderr)")
        let relup = try Relup.read(path: root + "/node/releases/2/relup")
        #expect(relup.vsn == "2")
        #expect(relup.up.map(\.vsn) == ["1"])
        #expect(relup.down.map(\.vsn) == ["1"])
        #expect(try SysConfig.read(path: root + "/node/releases/2/sys.config").environment(of: "tiny") != nil)

        // A rebuild of unchanged sources takes the cached plugin and gives the same bytes.
        let again = try project.build(["releases/tiny_rel-2.rel", "--upfrom", "releases/tiny_rel-1.rel", "--sign", "key", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let againReport = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        #expect((againReport["plugins"] as? [[String: Any]])?.map { $0["cached"] as? Bool } == [true])
        #expect(try Data(contentsOf: URL(fileURLWithPath: project.root + "/" + bundle)) == bytes)

        // The third version, from both older ones, into a chosen file.
        let third = try project.build(["releases/tiny_rel-3.rel", "--upfrom", "releases/tiny_rel-2.rel",
                                       "--upfrom", "releases/tiny_rel-1.rel", "-o", "out/three.tar.gz"])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stdout.hasPrefix("wrote out/three.tar.gz: tiny_rel 3"))
    }

    @Test func badInputGetsOneErrorNamingTheFile() throws {
        let project = try TestProject.write()

        // A release naming an application version the project does not have.
        try project.write("releases/tiny_rel-9.rel", "{release, {\"tiny_rel\", \"9\"}, {erts, \"relive-0.1.0\"}, [{tiny, \"9.9.9\"}]}.\n")
        let missing = try project.build(["releases/tiny_rel-9.rel"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("releases/tiny_rel-9.rel: application tiny 9.9.9 is missing"))

        // --strict makes an uncovered module (tiny_sup changes with the
        // application, no instruction loads it) an error naming the appup.
        try project.write("appups/tiny-2.0.0.appup", "{\"2.0.0\", [{\"1.0.0\", [{update, tiny, {advanced, []}}]}], [{\"1.0.0\", [{update, tiny, {advanced, []}}]}]}.\n")
        let strict = try project.build(["releases/tiny_rel-2.rel", "--upfrom", "releases/tiny_rel-1.rel", "--strict"])
        #expect(strict.status == 64)
        #expect(strict.stderr.contains("appups/tiny-2.0.0.appup: uncovered_module"), "\(strict.stderr)")

        // A plugin that does not compile: exit 1, the source folder named, no bundle.
        try project.write("plugins/tiny/3.0.0/Tiny.swift", "this is not Swift\n")
        let broken = try project.build(["releases/tiny_rel-3.rel", "-o", "three.tar.gz"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("plugins/tiny/3.0.0: tiny-3.0.0 does not compile"), "\(broken.stderr)")
        #expect(!FileManager.default.fileExists(atPath: project.root + "/three.tar.gz"))

        // A .rel that does not parse.
        try project.write("releases/tiny_rel-8.rel", "{release, {\"tiny_rel\"\n")
        let garbled = try project.build(["releases/tiny_rel-8.rel"])
        #expect(garbled.status == 64)
        #expect(garbled.stderr.contains("releases/tiny_rel-8.rel: "))
    }

    /// The example system (plugins/, appups/, releases/, config/ at the
    /// repository root): every upgrade it ships builds with --strict.
    @Test func buildsTheExampleSystem() throws {
        let copy = try Tool.temporaryDirectory("example")
        for folder in ["plugins", "appups", "releases", "config"] {
            try FileManager.default.copyItem(atPath: Tool.repositoryRoot + "/" + folder, toPath: copy + "/" + folder)
        }
        for (vsn, from) in [("2.0.0", "1.0.0"), ("3.0.0", "2.0.0"), ("3.0.1", "2.0.0")] {
            let built = try Tool.run(["release", "build", "releases/kv_system-\(vsn).rel", "--upfrom", "releases/kv_system-\(from).rel",
                                      "--strict", "--debug", "--json"], in: copy)
            #expect(built.status == 0, "\(vsn) from \(from): \(built.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(built.stdout.utf8)) as? [String: Any])
            #expect(report["version"] as? String == vsn)
            #expect((report["warnings"] as? [String]) == [])
        }
    }
}
