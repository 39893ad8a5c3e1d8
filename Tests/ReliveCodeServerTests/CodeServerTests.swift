import Foundation
import ReliveCodeServer
import ReliveKit
import ReliveRuntime
import ReliveTestSupport
import Testing

@Suite struct CodeServerTests {
    @Test func processesKeepTheirVersionUntilTheyChangeCode() async throws {
        let v1 = try await PluginFixtures.shared.fixture("counter", "1.0.0")
        let v2 = try await PluginFixtures.shared.fixture("counter", "2.0.0")
        let node = Node(name: "cs@test")
        defer { node.shutdown() }
        let code = CodeServer(node: node)
        try code.load(pluginAt: v1)
        try await node.run { p in
            let old = try #require(try await GenServer.start("counter", args: [5], from: p).pid)
            _ = try await GenServer.call(old, .atom("inc"), process: p)
            try code.load(pluginAt: v2)
            let new = try #require(try await GenServer.start("counter", args: [100], from: p).pid)
            // v1 and v2 side by side: each process answers as its own version.
            #expect(try await GenServer.call(old, .atom("version"), process: p) == "1.0.0")
            #expect(try await GenServer.call(new, .atom("version"), process: p) == "2.0.0")
            let users = Dictionary(uniqueKeysWithValues: node.modules.users(of: Atom("counter")).map { ($0.pid, $0.version) })
            #expect(users == [old: "1.0.0", new: "2.0.0"])

            // A soft purge is refused while `old` runs 1.0.0.
            #expect(throws: CodeServerError.self) { try code.purge("counter", mode: .soft) }

            try await Sys.suspend(old, process: p)
            try await Sys.changeCode(old, module: "counter", oldVersion: "1.0.0", extra: [], process: p)
            try await Sys.resume(old, process: p)
            #expect(try await GenServer.call(old, .atom("version"), process: p) == "2.0.0")
            #expect(try await GenServer.call(old, .atom("get"), process: p) == 6)   // state carried over
            #expect(try await GenServer.call(old, .atom("inc"), process: p) == 7)
            #expect(try await GenServer.call(old, .atom("history"), process: p) == [6])
            #expect(try await Sys.getState(old, process: p) == [.atom("count"): 7, .atom("history"): [6]])

            // Nobody runs 1.0.0 any more: the soft purge goes through.
            try code.purge("counter", mode: .soft)
            #expect(node.modules.old("counter") == nil)
            #expect(code.retainedImages.count == 2)
            #expect(code.retainedImages.residentBytes > 0)
        }
    }

    @Test func loadingAThirdVersionPurgesTheOldestSoftlyOrBrutally() async throws {
        let plugins = PluginFixtures.shared
        let a1 = try await plugins.custom("three-1", app: "three", vsn: "1", source: PluginFixtures.genServerPlugin(app: "three", vsn: "1", module: "three", reply: "\"one\""))
        let a2 = try await plugins.custom("three-2", app: "three", vsn: "2", source: PluginFixtures.genServerPlugin(app: "three", vsn: "2", module: "three", reply: "\"two\""))
        let a3 = try await plugins.custom("three-3", app: "three", vsn: "3", source: PluginFixtures.genServerPlugin(app: "three", vsn: "3", module: "three", reply: "\"three\""))
        let node = Node(name: "cs3@test")
        defer { node.shutdown() }
        let code = CodeServer(node: node)
        try code.load(pluginAt: a1)
        try await node.run { p in
            let onOne = try #require(try await GenServer.start("three", link: false, from: p).pid)
            try code.load(pluginAt: a2)
            // A third version while a process still runs the oldest: refused, nothing changes.
            #expect(throws: CodeServerError.self) { try code.load(pluginAt: a3, purge: .soft) }
            #expect(node.modules.current("three")?.version == "2")
            #expect(try await GenServer.call(onOne, .atom("hi"), process: p) == "one")
            // Brutal: the process on the oldest version is killed, then v3 loads.
            let monitor = p.monitor(onOne)
            try code.load(pluginAt: a3, purge: .brutal)
            let reason = try await p.receive(timeout: .seconds(5)) { $0[element: 1] == .ref(monitor) ? $0[element: 4] : nil }
            #expect(reason == .atom("killed"))
            #expect(node.modules.current("three")?.version == "3")
            #expect(node.modules.old("three")?.version == "2")
        }
    }

    @Test func aPluginThatThrowsCrashesItsProcessAndTheSupervisorRestartsIt() async throws {
        let v1 = try await PluginFixtures.shared.fixture("counter", "1.0.0")
        let node = Node(name: "cs-crash@test")
        defer { node.shutdown() }
        try CodeServer(node: node).load(pluginAt: v1)
        try await node.run { p in
            let sup = try #require(try await Supervisor.start("counter_sup", args: [0], from: p).pid)
            let first = try #require(p.whereis("counter"))
            await #expect(throws: CallError.self) { try await GenServer.call(first, .atom("crash"), process: p) }
            var second: Pid? = nil
            for _ in 0..<500 {
                if let pid = p.whereis("counter"), pid != first { second = pid; break }
                try await Task.sleep(for: .milliseconds(2))
            }
            let restarted = try #require(second)
            #expect(try await GenServer.call(restarted, .atom("get"), process: p) == 0)
            #expect(try await Supervisor.whichChildren(sup, process: p).first?.pid == restarted)
        }
    }
}

@Suite struct BadPluginTests {
    /// Loads `path` into a fresh node and returns the error; checks the
    /// node's modules are untouched.
    func refusal(_ path: String, preload: String? = nil) throws -> CodeServerError? {
        let node = Node(name: "bad@test")
        defer { node.shutdown() }
        let code = CodeServer(node: node)
        if let preload { try code.load(pluginAt: preload) }
        let before = Set(node.modules.names)
        do {
            try code.load(pluginAt: path)
            return nil
        } catch let error as CodeServerError {
            #expect(Set(node.modules.names) == before)
            return error
        }
    }

    @Test func missingFile() throws {
        let error = try refusal("/nonexistent/x-1.so")
        guard case .missingFile? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func notAnELFSharedObject() throws {
        // In a private folder: /tmp itself is world-writable, which is refused first.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("text-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let path = folder + "/text-1.so"
        try "not a library".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = try refusal(path)
        guard case .notAnELFSharedObject? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(error?.description.contains("not an ELF shared object") == true)
    }

    @Test func missingEntryPoint() async throws {
        let path = try await PluginFixtures.shared.custom("noentry", app: "noentry", vsn: "1",
            source: PluginFixtures.genServerPlugin(app: "noentry", vsn: "1", module: "noentry", entry: "something_else"))
        let error = try refusal(path)
        guard case .missingEntryPoint? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func abiMismatchNamesBothVersions() async throws {
        let path = try await PluginFixtures.shared.custom("abi", app: "abi", vsn: "1",
            source: PluginFixtures.genServerPlugin(app: "abi", vsn: "1", module: "abi", abi: "KitABI.version + 41"))
        let error = try refusal(path)
        guard case .abiMismatch(_, let plugin, let kit)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(plugin == KitABI.version + 41 && kit == KitABI.version)
        #expect(error?.description.contains("ABI version \(KitABI.version + 41)") == true)
    }

    @Test func descriptorThatDoesNotMatchItsFileName() async throws {
        let path = try await PluginFixtures.shared.custom("liar", app: "liar", vsn: "1",
            source: PluginFixtures.genServerPlugin(app: "liar", vsn: "1", module: "liar"), outputName: "honest-1.so")
        let error = try refusal(path)
        guard case .descriptorMismatch? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func twoApplicationsClaimingOneModule() async throws {
        let first = try await PluginFixtures.shared.custom("claim-a", app: "claima", vsn: "1",
            source: PluginFixtures.genServerPlugin(app: "claima", vsn: "1", module: "shared_mod"))
        let second = try await PluginFixtures.shared.custom("claim-b", app: "claimb", vsn: "1",
            source: PluginFixtures.genServerPlugin(app: "claimb", vsn: "1", module: "shared_mod"))
        let error = try refusal(second, preload: first)
        guard case .moduleOwnedByAnotherApplication(_, _, let owner)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(owner == "claima")
    }

    @Test func moduleWhoseCodeIsNotItsDeclaredKind() async throws {
        let path = try await PluginFixtures.shared.custom("kind", app: "kind", vsn: "1",
            source: PluginFixtures.genServerPlugin(app: "kind", vsn: "1", module: "kind", declare: "supervisor"))
        let error = try refusal(path)
        guard case .kindMismatch(_, _, let declared, let actual)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(declared == .supervisor && actual == .genServer)
    }

    @Test func aModuleStartedAsTheWrongBehaviourIsRefused() async throws {
        let v1 = try await PluginFixtures.shared.fixture("counter", "1.0.0")
        let node = Node(name: "kind2@test")
        defer { node.shutdown() }
        try CodeServer(node: node).load(pluginAt: v1)
        try await node.run { p in
            await #expect(throws: StartError.self) { try await Supervisor.start("counter", from: p) }
            await #expect(throws: StartError.self) { try await GenServer.start("counter_sup", from: p) }
        }
    }

    @Test func aPluginThatDoesNotCompileSaysWhy() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "import ReliveKit\nlet x: Int = \"no\"\n".write(toFile: dir + "/Broken.swift", atomically: true, encoding: .utf8)
        var builder = try PluginBuilder.locate()
        builder.optimize = false
        do {
            _ = try builder.build(application: "broken", version: "1", sources: [dir + "/Broken.swift"], outputDirectory: dir)
            Issue.record("it compiled")
        } catch let error as PluginBuildError {
            #expect("\(error)".contains("Broken.swift"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/broken-1.so"))
        }
    }
}
