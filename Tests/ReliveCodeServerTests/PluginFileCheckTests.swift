import Foundation
import Glibc
import ReliveCodeServer
import ReliveKit
import ReliveRuntime
import ReliveTestSupport
import Testing

/// Loading exactly the file that was checked: each refusal, and that a
/// refused load changes nothing. Tests run as root, so modes are provoked
/// with chmod on private copies of the fixture plugins.
@Suite(.serialized) struct PluginFileCheckTests {
    /// A private folder holding a copy of a fixture plugin as `<name>`.
    private static func privateCopy(of source: String, named name: String) throws -> (folder: String, file: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("relive-plugin-check-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(chmod(folder, 0o755) == 0)
        let file = folder + "/" + name
        try FileManager.default.copyItem(atPath: source, toPath: file)
        #expect(chmod(file, 0o755) == 0)
        return (folder, file)
    }

    private static func fixture(_ vsn: String) async throws -> String {
        try await PluginFixtures.shared.custom(
            "three-\(vsn)", app: "three", vsn: vsn,
            source: PluginFixtures.genServerPlugin(app: "three", vsn: vsn, module: "three", reply: "\"\(["1": "one", "2": "two"][vsn] ?? vsn)\"")
        )
    }

    private static func expectUnsafe(_ body: () throws -> Void, mentioning text: String) {
        do {
            try body()
            Issue.record("load was not refused")
        } catch let error as CodeServerError {
            guard case .unsafeFile = error else { Issue.record("wrong refusal: \(error)"); return }
            #expect(error.description.contains(text), "\(error)")
        } catch {
            Issue.record("not a CodeServerError: \(error)")
        }
    }

    @Test func aSymbolicLinkIsRefused() async throws {
        let (folder, file) = try Self.privateCopy(of: try await Self.fixture("1"), named: "three-1.so")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let linkFolder = folder + "/links"
        try FileManager.default.createDirectory(atPath: linkFolder, withIntermediateDirectories: true)
        #expect(chmod(linkFolder, 0o755) == 0)
        #expect(symlink(file, linkFolder + "/three-1.so") == 0)
        let node = Node(name: "check-link@test")
        defer { node.shutdown() }
        let code = CodeServer(node: node)
        Self.expectUnsafe({ try code.load(pluginAt: linkFolder + "/three-1.so") }, mentioning: "symbolic link")
        #expect(node.modules.current("three") == nil)
        #expect(code.plugins.isEmpty)
        // The file itself loads.
        try code.load(pluginAt: file)
        #expect(node.modules.current("three")?.version == "1")
    }

    @Test(arguments: [0o775, 0o757]) func aFileWritableByOthersIsRefused(mode: Int) async throws {
        let (folder, file) = try Self.privateCopy(of: try await Self.fixture("1"), named: "three-1.so")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(chmod(file, mode_t(mode)) == 0)
        let node = Node(name: "check-file@test")
        defer { node.shutdown() }
        let code = CodeServer(node: node)
        Self.expectUnsafe({ try code.load(pluginAt: file) }, mentioning: "the file is writable by group or others")
        #expect(node.modules.current("three") == nil)
        #expect(code.plugins.isEmpty)
        #expect(code.retainedImages.count == 0)
    }

    @Test(arguments: [0o775, 0o777]) func aFolderWritableByOthersIsRefused(mode: Int) async throws {
        let (folder, file) = try Self.privateCopy(of: try await Self.fixture("1"), named: "three-1.so")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(chmod(folder, mode_t(mode)) == 0)
        let node = Node(name: "check-folder@test")
        defer { node.shutdown() }
        let code = CodeServer(node: node)
        Self.expectUnsafe({ try code.load(pluginAt: file) }, mentioning: "its folder")
        #expect(node.modules.current("three") == nil)
        #expect(code.plugins.isEmpty)
    }

    @Test func aFileOwnedBySomeoneElseIsRefused() async throws {
        let (folder, file) = try Self.privateCopy(of: try await Self.fixture("1"), named: "three-1.so")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let stranger: uid_t = geteuid() == 54_321 ? 54_322 : 54_321
        #expect(chown(file, stranger, getegid()) == 0)
        let node = Node(name: "check-owner@test")
        defer { node.shutdown() }
        let code = CodeServer(node: node)
        Self.expectUnsafe({ try code.load(pluginAt: file) }, mentioning: "owned by uid \(stranger)")
        #expect(node.modules.current("three") == nil)
    }

    @Test func theExpectedHashIsCheckedOnTheLoadedFile() async throws {
        let (folder, file) = try Self.privateCopy(of: try await Self.fixture("1"), named: "three-1.so")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let node = Node(name: "check-hash@test")
        defer { node.shutdown() }
        let code = CodeServer(node: node)
        let wrong = String(repeating: "0", count: 64)
        var actual: String?
        do {
            try code.load(pluginAt: file, expectedSHA256: wrong)
            Issue.record("a wrong hash was accepted")
        } catch let error as CodeServerError {
            guard case .hashMismatch(_, let expected, let got) = error else { Issue.record("wrong refusal: \(error)"); return }
            #expect(expected == wrong)
            #expect(got.count == 64 && got != wrong)
            actual = got
        }
        #expect(node.modules.current("three") == nil)
        #expect(code.plugins.isEmpty)
        #expect(code.retainedImages.count == 0)
        // The same file with its own hash (in upper case) loads.
        try code.load(pluginAt: file, expectedSHA256: try #require(actual).uppercased())
        #expect(node.modules.current("three")?.version == "1")
    }

    @Test func aRefusedBrutalLoadKillsNobodyAndChangesNoModule() async throws {
        let one = try Self.privateCopy(of: try await Self.fixture("1"), named: "three-1.so")
        let two = try Self.privateCopy(of: try await Self.fixture("2"), named: "three-2.so")
        // A third version that is refused at its checks (a copy of 2 named 3, folder group-writable).
        let three = try Self.privateCopy(of: try await Self.fixture("2"), named: "three-3.so")
        defer { for folder in [one.folder, two.folder, three.folder] { try? FileManager.default.removeItem(atPath: folder) } }
        #expect(chmod(three.folder, 0o775) == 0)
        let node = Node(name: "check-brutal@test")
        defer { node.shutdown() }
        let code = CodeServer(node: node)
        try code.load(pluginAt: one.file)
        try await node.run { p in
            let onOne = try #require(try await GenServer.start("three", link: false, from: p).pid)
            try code.load(pluginAt: two.file)
            let monitor = p.monitor(onOne)
            Self.expectUnsafe({ try code.load(pluginAt: three.file, purge: .brutal) }, mentioning: "its folder")
            // Still alive, on version 1; the table is as it was.
            #expect(try await GenServer.call(onOne, .atom("hi"), process: p) == "one")
            #expect(node.modules.current("three")?.version == "2")
            #expect(node.modules.old("three")?.version == "1")
            #expect(Set(code.plugins.map(\.version)) == ["1", "2"])
            // A wrong hash with brutal purge: refused the same way.
            #expect(throws: CodeServerError.self) {
                try code.load(pluginAt: three.file, purge: .brutal, expectedSHA256: String(repeating: "f", count: 64))
            }
            #expect(try await GenServer.call(onOne, .atom("hi"), process: p) == "one")
            p.demonitor(monitor)
        }
    }

    @Test func concurrentLoadsOfOnePluginLoadItOnce() async throws {
        let (folder, file) = try Self.privateCopy(of: try await Self.fixture("1"), named: "three-1.so")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let node = Node(name: "check-race@test")
        defer { node.shutdown() }
        let code = CodeServer(node: node)
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do { try code.load(pluginAt: file); return "loaded" } catch let error as CodeServerError {
                        if case .alreadyLoaded = error { return "already" }
                        return "\(error)"
                    } catch { return "\(error)" }
                }
            }
            var all: [String] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.filter { $0 == "loaded" }.count == 1, "\(outcomes)")
        #expect(outcomes.filter { $0 == "already" }.count == 7, "\(outcomes)")
        #expect(code.plugins.count == 1)
        #expect(node.modules.old("three") == nil)
    }
}
