import Foundation
import ReliveCodeServer
import ReliveKit
import ReliveReleaseHandler
import ReliveReleases
import ReliveRuntime
import ReliveTestSupport
import Testing

/// sys.config at install (OTP's change_application_data + config_change),
/// with real plugins: release cfgrel 1.0.0 and 2.0.0 of application cfgapp,
/// whose environments differ, booted from an install root and upgraded and
/// downgraded by the release handler.
@Suite(.serialized) struct ConfigChangeTests {
    /// 1.0.0: `.app` env greeting/level, sys.config greeting "hello" and
    /// old_key; 2.0.0: sys.config greeting "bonjour" and new_key, no old_key.
    /// `upExtra` is put after 2.0.0's code_change (e.g. a failing apply).
    /// `sysConfig2` replaces 2.0.0's sys.config text.
    static func makeRoot(upExtra: [Term] = [], sysConfig2: String? = nil) async throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("relive-cfg-\(UUID().uuidString)").path
        let fm = FileManager.default
        let mods: [Atom] = ["cfgapp", "cfg_sup", "cfg_server"]
        for vsn in ["1.0.0", "2.0.0"] {
            let lib = "\(root)/lib/cfgapp-\(vsn)"
            try fm.createDirectory(atPath: lib + "/ebin", withIntermediateDirectories: true)
            try fm.copyItem(atPath: try await PluginFixtures.shared.configApp(vsn), toPath: "\(lib)/cfgapp-\(vsn).so")
            let app = ApplicationResource(name: "cfgapp", vsn: vsn, modules: mods, registered: ["cfg_server"],
                                          applications: ["kernel", "stdlib"], mod: StartModule(module: "cfgapp", args: []),
                                          env: [KeyValue(key: "greeting", value: "from .app"), KeyValue(key: "level", value: 1)])
            try TermFile.write([app.term], to: "\(lib)/ebin/cfgapp.app")
            try fm.createDirectory(atPath: "\(root)/releases/\(vsn)", withIntermediateDirectories: true)
            let rel = ReleaseSpec(name: "cfgrel", vsn: vsn, runtimeVsn: "1", applications: [.init(name: "cfgapp", vsn: vsn)])
            try TermFile.write([rel.term], to: "\(root)/releases/\(vsn)/cfgrel.rel")
            let env: [KeyValue] = vsn == "1.0.0"
                ? [KeyValue(key: "greeting", value: "hello"), KeyValue(key: "old_key", value: true)]
                : [KeyValue(key: "greeting", value: "bonjour"), KeyValue(key: "new_key", value: 42)]
            try TermFile.write([SysConfig(entries: [.application("cfgapp", env)]).term], to: "\(root)/releases/\(vsn)/sys.config")
        }
        if let sysConfig2 { try sysConfig2.write(toFile: "\(root)/releases/2.0.0/sys.config", atomically: true, encoding: .utf8) }
        let m: Term = .atom("cfg_server")
        func script(_ vsn: String, _ direction: String, extra: [Term]) -> [Term] {
            [.tuple([.atom("load_object_code"), .tuple([.atom("cfgapp"), .string(vsn), .list(mods.map(Term.atom))])]),
             .atom("point_of_no_return"),
             .tuple([.atom("suspend"), .list([m])]),
             .tuple([.atom("code_change"), .atom(Atom(direction)), .list([.tuple([m, .list([])])])])]
                + extra + [.tuple([.atom("resume"), .list([m])])]
        }
        try Relup(vsn: "2.0.0", up: [.init(vsn: "1.0.0", instructions: script("2.0.0", "up", extra: upExtra))],
                  down: [.init(vsn: "1.0.0", instructions: script("1.0.0", "down", extra: []))])
            .write(to: "\(root)/releases/2.0.0/relup")
        return root
    }

    /// Boots 1.0.0 and records 2.0.0 as unpacked.
    static func boot(_ root: String, _ node: Node, _ p: LocalProcess) async throws -> ReleaseHandler {
        let code = CodeServer(node: node)
        let handler = try ReleaseHandler(node: node, code: code, configuration: .init(root: root))
        try handler.adoptInitialRelease("1.0.0")
        _ = try await ReleaseBoot.boot(handler, node: node, code: code, from: p)
        try handler.recordUnpacked("2.0.0")
        return handler
    }

    static func call(_ request: Atom, _ node: Node, _ p: LocalProcess) async throws -> Term {
        try await GenServer.call(try #require(node.whereis("cfg_server")), .atom(request), process: p)
    }

    @Test func anInstallChangesTheEnvironmentAndCallsConfigChangeBothWays() async throws {
        let root = try await Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let node = Node(name: "cfg0@test")
        defer { node.shutdown() }
        try await node.run { p in
            let handler = try await Self.boot(root, node, p)
            #expect(try await Self.call("greeting", node, p) == "hello")

            let up = try await handler.install("2.0.0", from: p)
            #expect(up.configChanges == [EnvironmentChange(application: "cfgapp", changed: ["greeting": "bonjour"],
                                                           new: ["new_key": 42], removed: ["old_key"])])
            #expect(up.configChangeFailures.isEmpty)
            #expect(try await Self.call("greeting", node, p) == "bonjour")
            #expect(node.applications.environment("cfgapp") == ["greeting": "bonjour", "level": 1, "new_key": 42])
            // 2.0.0's callback saw Changed, New and Removed.
            #expect(try await Self.call("last_change", node, p)
                    == .tuple([.atom("config_change"), "2.0.0", .list([.tuple([.atom("greeting"), "bonjour"])]),
                               .list([.tuple([.atom("new_key"), 42])]), .list([.atom("old_key")])]))

            // The downgrade takes 1.0.0's sys.config, and 1.0.0's callback sees the change back.
            let down = try await handler.install("1.0.0", from: p)
            #expect(down.downgrade)
            #expect(try await Self.call("greeting", node, p) == "hello")
            #expect(try await Self.call("last_change", node, p)
                    == .tuple([.atom("config_change"), "1.0.0", .list([.tuple([.atom("greeting"), "hello"])]),
                               .list([.tuple([.atom("old_key"), true])]), .list([.atom("new_key")])]))
        }
    }

    @Test func aFailedInstallPutsTheEnvironmentBack() async throws {
        let root = try await Self.makeRoot(upExtra: [.tuple([.atom("apply"), .tuple([.atom("cfg_server"), .atom("fail"), .list([])])])])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let node = Node(name: "cfg1@test")
        defer { node.shutdown() }
        try await node.run { p in
            let handler = try await Self.boot(root, node, p)
            let error = await #expect(throws: ReleaseHandlerError.self) { try await handler.install("2.0.0", from: p) }
            #expect(error?.kind == "apply_failed")
            #expect(node.applications.environment("cfgapp") == ["greeting": "hello", "level": 1, "old_key": true])
            #expect(try await Self.call("greeting", node, p) == "hello")
            #expect(try await Self.call("version", node, p) == "1.0.0")
            #expect(try await Self.call("last_change", node, p) == .atom("none"))
        }
    }

    @Test func aBadSysConfigRefusesTheInstallBeforeAnythingRuns() async throws {
        let root = try await Self.makeRoot(sysConfig2: "[{cfgapp, [{greeting, \"unterminated}]}].\n")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let node = Node(name: "cfg2@test")
        defer { node.shutdown() }
        try await node.run { p in
            let handler = try await Self.boot(root, node, p)
            let checked = #expect(throws: ReleaseHandlerError.self) { try handler.checkInstall("2.0.0") }
            #expect(checked?.kind == "bad_config")
            #expect(checked?.message.contains("releases/2.0.0/sys.config") == true)
            let error = await #expect(throws: ReleaseHandlerError.self) { try await handler.install("2.0.0", from: p) }
            #expect(error?.kind == "bad_config")
            // Nothing ran: the 2.0.0 plugin was never loaded, the environment is 1.0.0's.
            #expect(!handler.whichReleases().contains { $0.vsn == "2.0.0" && $0.status != .unpacked })
            #expect(try await Self.call("version", node, p) == "1.0.0")
            #expect(node.applications.environment("cfgapp", "greeting") == "hello")
        }
    }
}
